import type { Readable, Writable } from 'node:stream'
import type { CID } from '@hamt/core'
import type { Progress } from './progress.js'
import type { LayeredStore } from './stores/layered-store.js'

/** The streams a command runs with: the process's, or a test's. */
export interface Io {
  /** What `import -` and `put --file -` read. */
  stdin: Readable
  /** Results: text, JSON, or bytes (`get`, `export`). */
  stdout: Writable & TerminalInfo
  /** Errors, and progress when it is a terminal. */
  stderr: Writable & TerminalInfo
}

/** What a stream says of the terminal behind it (as `process.stdout` does). */
export interface TerminalInfo {
  /** Whether it is a terminal: progress is drawn on stderr only then, and `export` refuses one for stdout. */
  isTTY?: boolean
  /** Its width in characters, for the progress line. */
  columns?: number
}

/** The values of one option as `parseArgs` gives them. */
export type OptionValue = string | boolean | (string | boolean)[] | undefined

/** An option of a command, as `node:util` `parseArgs` takes it, with what `--help` says of it. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** Placeholder of the value in `--help` (`URL`, `PATH`). */
  value?: string
  description: string
}

/** What a command gets to run. */
export interface Context {
  io: Io
  /** Option values by name. */
  options: Record<string, OptionValue>
  /** Arguments after the command name. */
  positionals: string[]
  /** The stores named on the command line, as one. */
  store: LayeredStore
  /** Roots of the `--car` file, when one was given. */
  carRoots: CID[]
  /** `--json`: print one JSON document to stdout. */
  json: boolean
  progress: Progress
  signal: AbortSignal
}

/** One subcommand of `hamt`. */
export interface Command {
  name: string
  /** One line for `hamt --help`. */
  summary: string
  /** Arguments after the command name, as `--help` shows them. */
  args: string
  /** More lines for `hamt COMMAND --help`. */
  details: string
  options: Record<string, OptionSpec>
  /** Whether it saves blocks (it then needs `--dir` or `--rpc`). */
  writes: boolean
  /** Runs; returns the exit code (0 when omitted). */
  run(context: Context): Promise<number | undefined>
}
