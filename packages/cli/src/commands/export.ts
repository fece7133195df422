import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { exportCar } from '@hamt/car'
import type { Command } from '../context.js'
import { usageError } from '../exit-codes.js'
import { expectArguments, rootArgument } from '../main.js'
import { formatBytes } from '../progress.js'
import { printJson, writeStdout } from './output.js'

export const exportCommand: Command = {
  name: 'export',
  summary: 'write every block reachable from a root as a CAR file',
  args: '[ROOT] [--out FILE]',
  details:
    'A CARv1 with ROOT as its root: nodes, values and UnixFS parts, each block once, each checked\n' +
    'against its CID. Streams in bounded memory. Without --out the CAR goes to stdout (not to a terminal).\n' +
    'Pinning services and `ipfs dag import` take this file.',
  options: {
    out: { type: 'string', short: 'o', value: 'FILE', description: 'write the CAR to FILE (default stdout)' },
    concurrency: { type: 'string', value: 'N', description: 'blocks read ahead (default 16)' },
  },
  writes: false,
  async run(context) {
    expectArguments(context, 0, 1)
    const root = rootArgument(context, 0)
    const out = context.options.out as string | undefined
    if (out === undefined && context.io.stdout.isTTY === true) {
      throw usageError('export: the CAR is binary; give --out FILE or redirect stdout')
    }
    if (out === undefined && context.json) throw usageError('export: --json needs --out FILE (stdout carries the CAR)')
    let blocks = 0
    let bytes = 0
    const car = exportCar(context.store, root, {
      signal: context.signal,
      concurrency: positiveInteger(context.options.concurrency as string | undefined, 16),
      onProgress: (progress) => {
        blocks = progress.blocks
        bytes = progress.bytes
        context.progress.update('blocks', blocks, undefined, formatBytes(bytes))
      },
    })
    if (out === undefined) await writeStdout(context, car)
    else await pipeline(Readable.from(car, { objectMode: false }), createWriteStream(out))
    context.progress.done()
    if (context.json) printJson(context, { root, file: out, blocks, bytes })
    return 0
  },
}

/** Parses a positive integer option. */
export function positiveInteger(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 1) throw usageError(`${text} is not a positive integer`)
  return value
}
