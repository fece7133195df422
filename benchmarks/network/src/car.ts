import { CarWriter } from '@ipld/car'
import type { CID } from 'multiformats/cid'

/** A block as a CAR holds it. */
export interface CarBlock {
  cid: CID
  bytes: Uint8Array
}

/** A CAR (v1) with these roots in its header and these blocks, in order. */
export async function encodeCar(roots: readonly CID[], blocks: readonly CarBlock[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([...roots])
  const parts: Uint8Array[] = []
  // The writer only moves on when its output is read: collect it while putting.
  const collected = (async () => {
    for await (const part of out) parts.push(part)
  })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await collected
  const car = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    car.set(part, at)
    at += part.byteLength
  }
  return car
}
