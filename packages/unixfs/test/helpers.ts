import { BlockNotFoundError, type CallOptions } from '@hamt/core'
import { base64 } from 'multiformats/bases/base64'
import type { CID } from 'multiformats/cid'
import type { BlockReader, BlockWriter } from '../src/index.js'

export { randomBytes } from '../../../tools/test-support/random-bytes.js'

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
