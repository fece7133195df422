import { CarWriter } from '@ipld/car'
import { equals } from 'multiformats/bytes'
import type { CID } from 'multiformats/cid'

import { concatBytes } from '../../../tools/test-support/collect.js'

export { randomBytes } from '../../../tools/test-support/random-bytes.js'

/** Byte equality without a deep-equality walk (which takes seconds on megabytes). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return equals(actual, expected)
}

/** A CAR (v1) with `roots` in its header and `blocks`, in order, as a gateway would send it. */
export async function carOf(roots: CID | CID[], blocks: Array<{ cid: CID; bytes: Uint8Array }>): Promise<Buffer> {
  const { writer, out } = CarWriter.create((Array.isArray(roots) ? roots : [roots]) as never)
  // The writer only moves on when its output is read: collect it while putting.
  const car = concatBytes(out)
  for (const block of blocks) await writer.put(block as never)
  await writer.close()
  const bytes = await car
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
