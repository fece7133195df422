import { access } from 'node:fs/promises'
import type { BlockPutter } from '@hamt/car'
import {
  BlockNotFoundError,
  type ByteRange,
  blake3Cid,
  type CallOptions,
  type CID,
  type Codec,
  type ContentAddressedStore,
  sliceRange,
} from '@hamt/core'
import { FsBlockstore } from 'blockstore-fs'
import { CliError, EXIT } from '../exit-codes.js'

/**
 * A store in a directory through blockstore-fs (the layout Helia and js-ipfs use): `save` gives the
 * BLAKE3 CIDs every store of this project gives, `putBlock` holds any block under its own CID.
 */
export class DirStore implements ContentAddressedStore, BlockPutter {
  private constructor(
    readonly path: string,
    readonly blockstore: FsBlockstore,
  ) {}

  /** Opens the blockstore at `path`, creating it only when `create` (a command that writes). */
  static async open(path: string, create: boolean): Promise<DirStore> {
    if (!create) {
      await access(path).catch((cause: unknown) => {
        throw new CliError('ERR_NO_STORE', EXIT.notFound, `--dir ${path}: no such directory`, { cause })
      })
    }
    const blockstore = new FsBlockstore(path, { createIfMissing: create })
    await blockstore.open()
    return new DirStore(path, blockstore)
  }

  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const cid = blake3Cid(data, codec)
    // The signal is checked, not handed down: blockstore-fs adds a listener per call, and a walk runs
    // dozens at once on the command's one signal.
    await this.blockstore.put(cid, data)
    return cid
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const parts: Uint8Array[] = []
    try {
      for await (const part of this.blockstore.get(id)) parts.push(part)
    } catch (cause) {
      if ((cause as { name?: string }).name === 'NotFoundError') throw new BlockNotFoundError(id, `--dir ${this.path}`)
      throw cause
    }
    return sliceRange(parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts), range)
  }

  async putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.blockstore.put(cid, bytes)
  }

  async close(): Promise<void> {
    await this.blockstore.close()
  }
}
