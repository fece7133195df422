import { CarWriter } from '@ipld/car'
import type { CID } from 'multiformats/cid'
import { concatBytes } from '../../../tools/test-support/collect.js'

/** A block as a CAR holds it. */
export interface CarBlock {
  cid: CID
  bytes: Uint8Array
}

/** A CAR (v1) with these roots in its header and these blocks, in order. */
export async function encodeCar(roots: readonly CID[], blocks: readonly CarBlock[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([...roots])
  // The writer only moves on when its output is read: collect it while putting.
  const car = concatBytes(out)
  for (const block of blocks) await writer.put(block)
  await writer.close()
  return car
}
