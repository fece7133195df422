import { BlockNotFoundError, type CallOptions } from '@hamt/core'
import { base64 } from 'multiformats/bases/base64'
import type { CID } from 'multiformats/cid'
import type { BlockReader, BlockWriter } from '../src/index.js'

/** Deterministic pseudo-random bytes (xorshift32), so failures can be replayed. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Blocks in a Map, counting reads: the smallest real block store. */
export class MapBlocks implements BlockReader, BlockWriter {
  readonly blocks = new Map<string, { cid: CID; bytes: Uint8Array }>()
  reads = 0

  async putBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    this.blocks.set(base64.baseEncode(cid.multihash.bytes), { cid, bytes })
  }

  async loadBlock(cid: CID, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    this.reads++
    const block = this.blocks.get(base64.baseEncode(cid.multihash.bytes))
    if (block === undefined) throw new BlockNotFoundError(cid, 'MapBlocks')
    return block.bytes
  }
}
