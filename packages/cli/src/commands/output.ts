import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Context } from '../context.js'

/** Prints `value` as one JSON document (CIDs as strings). */
export function printJson(context: Context, value: unknown): void {
  context.io.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`)
}

/** Prints lines of text. */
export function printLines(context: Context, lines: readonly string[]): void {
  if (lines.length > 0) context.io.stdout.write(`${lines.join('\n')}\n`)
}

/** Writes a byte stream to stdout, waiting for it to drain, without closing it. */
export async function writeStdout(context: Context, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  await pipeline(Readable.from(chunks, { objectMode: false }), context.io.stdout, { end: false })
}

// A CID's toJSON gives `{ "/": "bafy…" }`: print the string alone, as people and jq expect.
function jsonReplacer(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value)
    const link = (value as Record<string, unknown>)['/']
    if (keys.length === 1 && typeof link === 'string') return link
  }
  return value
}
