import { blake3HashFn, CID } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'

/**
 * The HAMT nodes on `key`'s path from `root`, root first (py-hamt's wire format: a node is a list of
 * 256 slots, byte d of the key's BLAKE3 hash picks the slot at depth d, a link is `[CID]`, a bucket a
 * map). The walk stops at the first slot that is not a link: the node holding the key's bucket, or
 * the empty slot where it would be.
 */
export async function keyChain(load: (cid: CID) => Promise<Uint8Array>, root: CID, key: string): Promise<CID[]> {
  const hash = hashOf(key)
  const chain: CID[] = []
  for (let cid: CID | null = root; cid !== null; ) {
    chain.push(cid)
    const slots = dagCbor.decode(await load(cid)) as unknown[]
    const slot = slots[hash[chain.length - 1] as number]
    cid = Array.isArray(slot) ? CID.asCID(slot[0]) : null
  }
  return chain
}

/**
 * The IPLD path of `key` through `levels` nodes, as a trustless gateway resolves it: at each level the
 * slot (the hash byte, a list index) and then `0`, the link inside a `[CID]` slot. A gateway follows
 * the links it meets, so the answer holds the key's chain of nodes, however deep, up to `levels`.
 */
export function keyPathSegments(key: string, levels: number): string[] {
  const hash = hashOf(key)
  if (levels > hash.length) throw new RangeError(`a key's hash places it at most ${hash.length} levels deep`)
  return [...hash.subarray(0, levels)].flatMap((byte) => [String(byte), '0'])
}

function hashOf(key: string): Uint8Array {
  return blake3HashFn(new TextEncoder().encode(key))
}
