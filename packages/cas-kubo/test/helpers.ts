import { CarWriter } from '@ipld/car'
import { equals } from 'multiformats/bytes'
import type { CID } from 'multiformats/cid'

export { randomBytes } from '../../../tools/test-support/random-bytes.js'

/** Byte equality without a deep-equality walk (which takes seconds on megabytes). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return equals(actual, expected)
}

/** A CAR (v1) with `roots` in its header and `blocks`, in order, as a gateway would send it. */
export async function carOf(roots: CID | CID[], blocks: Array<{ cid: CID; bytes: Uint8Array }>): Promise<Buffer> {
  const { writer, out } = CarWriter.create((Array.isArray(roots) ? roots : [roots]) as never)
  const parts: Uint8Array[] = []
  // The writer only moves on when its output is read: collect it while putting.
  const collected = (async () => {
    for await (const part of out) parts.push(part)
  })()
  for (const block of blocks) await writer.put(block as never)
  await writer.close()
  await collected
  return Buffer.concat(parts)
}
