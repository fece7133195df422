import type { CID } from 'multiformats/cid'
import type { Block } from './cas.js'
import { cidKey, sameCid } from './cid-key.js'
import { blake3HashFn, type HashFn, hashKey } from './hash.js'
import { LINK, linkCid, type StoredNode, slotKind } from './stored-node.js'

/**
 * Levels of a key's chain asked for in one path read: a tree that deep holds 256^6 buckets, far more
 * than any dataset; a shallower tree ends the path early, which costs nothing.
 */
export const CHAIN_LEVELS = 6

/**
 * The IPLD path from a node at `depth` down the chain of nodes `hash` picks, for
 * `ContentAddressedStore.loadPath`: per level, the slot `hash[d]`, then `0`, the place of the link in
 * a `[CID]` slot. Where the tree ends (a bucket, an empty slot) the path stops resolving, and a
 * gateway answers with the nodes up to there: exactly the key's chain.
 */
export function chainPath(hash: Uint8Array, depth: number, levels = CHAIN_LEVELS): string[] {
  const path: string[] = []
  for (let d = depth; d < Math.min(hash.length, depth + levels); d++) path.push(String(hash[d]), '0')
  return path
}

/**
 * The IPLD path from a HAMT's root down the chain of nodes that holds `key`: what to give
 * `ContentAddressedStore.loadPath` with the root's CID to fetch every node a read of `key` needs in
 * one round trip (as `openZarr` does for `zarr.json` while it reads the root).
 */
export function keyChainPath(key: string, hashFn: HashFn = blake3HashFn): string[] {
  return chainPath(hashKey(hashFn, key), 0)
}

/** Blocks found by CID without their string forms (see cid-key.ts). */
export class BlockSet {
  readonly #blocks = new Map<number, Block[]>()
  /** Number of blocks. */
  readonly size: number

  constructor(blocks: readonly Block[]) {
    this.size = blocks.length
    for (const block of blocks) {
      const key = cidKey(block.cid)
      const same = this.#blocks.get(key)
      if (same === undefined) this.#blocks.set(key, [block])
      else same.push(block)
    }
  }

  /** The bytes of `cid`'s block, if it is here. */
  get(cid: CID): Uint8Array | undefined {
    for (const block of this.#blocks.get(cidKey(cid)) ?? []) if (sameCid(block.cid, cid)) return block.bytes
    return undefined
  }
}

/**
 * Places the blocks of a path answer under `node`: each block that a placed node links to is decoded
 * as that child (`decode` checks it at its place and may throw) and handed to `found`, level by level.
 * Blocks no placed node links to are left out (a store may answer with more than the chain asked
 * for); so is a node that does not fit where it is linked from, which a later read then loads again
 * and reports.
 */
export function placeBlocks(
  node: StoredNode,
  blocks: BlockSet,
  decode: (bytes: Uint8Array, cid: CID, parent: StoredNode, index: number) => StoredNode,
  found: (cid: CID, child: StoredNode, parent: StoredNode, index: number) => void,
): void {
  let left = blocks.size - 1
  let level = [node]
  while (left > 0 && level.length > 0) {
    const next: StoredNode[] = []
    for (const parent of level) {
      for (let index = 0; index < 256; index++) {
        if (slotKind(parent, index) !== LINK) continue
        const cid = linkCid(parent, index)
        const bytes = blocks.get(cid)
        if (bytes === undefined) continue
        left--
        try {
          const child = decode(bytes, cid, parent, index)
          found(cid, child, parent, index)
          next.push(child)
        } catch {
          // Not kept: see above.
        }
      }
    }
    level = next
  }
}
