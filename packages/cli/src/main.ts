import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { CID } from '@hamt/core'
import { COMMANDS } from './commands/index.js'
import type { Command, Context, Io, OptionSpec } from './context.js'
import { CliError, classify, EXIT, usageError } from './exit-codes.js'
import { Progress } from './progress.js'
import { openStores, STORE_OPTIONS } from './store-options.js'

/** Options every command takes. */
const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print one JSON document on stdout (errors as JSON on stderr)' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr, even on a terminal' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
}

/**
 * Runs `hamt` with `argv` (the arguments after the program name) and returns the exit code. Never
 * throws: every failure is reported on `io.stderr` and mapped to an exit code (see {@link EXIT}).
 */
export async function main(
  argv: readonly string[],
  io: Io,
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  const json = argv.includes('--json')
  try {
    const [name, ...rest] = argv
    if (name === '--version' || name === '-V') {
      io.stdout.write(`${version()}\n`)
      return EXIT.ok
    }
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(globalHelp())
      return name === undefined ? EXIT.usage : EXIT.ok
    }
    const command = COMMANDS.find((c) => c.name === name)
    if (command === undefined) throw usageError(`unknown command ${JSON.stringify(name)} (see hamt --help)`)
    return await runCommand(command, rest, io, json, signal)
  } catch (error) {
    return report(error, io, json)
  }
}

async function runCommand(
  command: Command,
  argv: string[],
  io: Io,
  json: boolean,
  signal: AbortSignal,
): Promise<number> {
  const specs = allOptions(command)
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [
          name,
          {
            type: spec.type,
            ...(spec.short ? { short: spec.short } : {}),
            ...(spec.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw usageError(`${command.name}: ${(error as Error).message}`)
  }
  if (parsed.values.help === true) {
    io.stdout.write(commandHelp(command))
    return EXIT.ok
  }
  const progress = new Progress(io.stderr, io.stderr.isTTY === true && parsed.values.quiet !== true)
  const { store, carRoots } = await openStores(parsed.values, command.writes)
  const context: Context = {
    io,
    options: parsed.values,
    positionals: parsed.positionals,
    store,
    carRoots,
    json,
    progress,
    signal,
  }
  try {
    return (await command.run(context)) ?? EXIT.ok
  } finally {
    progress.done()
    await store.close()
  }
}

function allOptions(command: Command): Record<string, OptionSpec> {
  return { ...command.options, ...STORE_OPTIONS, ...COMMON_OPTIONS }
}

function report(error: unknown, io: Io, json: boolean): number {
  const { exitCode, code, expected } = classify(error)
  const message = error instanceof Error ? error.message : String(error)
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: { code, message, exitCode } })}\n`)
  } else {
    io.stderr.write(`hamt: ${message}\n`)
    if (!expected && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`)
  }
  return exitCode
}

/** The CID in argument `index`, or the `--car` file's root when the argument is omitted. */
export function rootArgument(context: Context, index: number, what = 'ROOT'): CID {
  const text = context.positionals[index]
  return text === undefined ? carRoot(context, what) : parseCid(text, what)
}

/** The `--car` file's one root, standing for an omitted ROOT. */
export function carRoot(context: Context, what = 'ROOT'): CID {
  if (context.carRoots.length === 1) return context.carRoots[0] as CID
  throw usageError(`missing ${what} (a root CID, or --car FILE with one root)`)
}

/** Parses a CID given on the command line. */
export function parseCid(text: string, what: string): CID {
  try {
    return CID.parse(text)
  } catch {
    throw usageError(`${what} ${JSON.stringify(text)} is not a CID`)
  }
}

/** Fails unless exactly `count` positionals (or at most, with `optional`) were given. */
export function expectArguments(context: Context, min: number, max: number): void {
  const n = context.positionals.length
  if (n < min || n > max) {
    throw new CliError(
      'ERR_USAGE',
      EXIT.usage,
      `expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${n}`,
    )
  }
}

/** This package's version (from its package.json, next to both src/ and dist/). */
function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version
}

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'Usage: hamt COMMAND [ARGS] [OPTIONS]',
    '',
    'Inspect, copy, convert and check HAMT and sharded Zarr datasets by their root CID.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Stores (any command that reads or writes):',
    ...formatOptions(STORE_OPTIONS),
    '',
    'Run hamt COMMAND --help for its arguments and options; hamt --version for the version.',
    'Exit codes: 0 ok, 1 internal error, 2 usage, 3 not found, 4 integrity (bad block, bad CAR,',
    'verify failed), 5 store unreachable, 6 not a dataset / read-only store.',
    '',
  ].join('\n')
}

function commandHelp(command: Command): string {
  return [
    `Usage: hamt ${command.name} ${command.args}`.trimEnd(),
    '',
    command.summary,
    ...(command.details === '' ? [] : ['', command.details]),
    '',
    'Options:',
    ...formatOptions({ ...command.options, ...COMMON_OPTIONS }),
    '',
    'Stores:',
    ...formatOptions(STORE_OPTIONS),
    '',
  ].join('\n')
}

function formatOptions(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`,
    spec.description,
  ])
  const width = Math.max(...rows.map(([left]) => (left as string).length))
  return rows.map(([left, right]) => `  ${(left as string).padEnd(width)}  ${right}`)
}
