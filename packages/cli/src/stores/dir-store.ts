import { access } from 'node:fs/promises'
import type { BlockLoader, BlockPutter } from '@hamt/car'
import { BlockstoreCAS } from '@hamt/cas-blockstore'
import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '@hamt/core'
import { FsBlockstore } from 'blockstore-fs'
import { CliError, EXIT } from '../exit-codes.js'

/**
 * A store in a directory: blockstore-fs (the layout Helia and js-ipfs use) through `BlockstoreCAS`,
 * so values get the CIDs Kubo gives (UnixFS files over 1 MiB included) and any block can be put
 * under its own CID.
 *
 * Signals are checked here rather than handed down: blockstore-fs adds a listener per call, and a
 * walk runs dozens of calls at once on the command's one signal.
 */
export class DirStore implements ContentAddressedStore, BlockPutter, BlockLoader {
  readonly #cas: BlockstoreCAS

  private constructor(
    readonly path: string,
    readonly blockstore: FsBlockstore,
  ) {
    this.#cas = new BlockstoreCAS(blockstore, { name: `--dir ${path}` })
  }

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

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    return this.#cas.save(data, codec)
  }

  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    return this.#cas.load(id, range)
  }

  loadBlock(cid: CID, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    return this.#cas.loadBlock(cid)
  }

  putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    return this.#cas.putBlock(cid, bytes)
  }

  async close(): Promise<void> {
    await this.blockstore.close()
  }
}
