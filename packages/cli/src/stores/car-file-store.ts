import { createReadStream } from 'node:fs'
import { type FileHandle, open } from 'node:fs/promises'
import { multihashKey as keyOf } from '@hamt/car'
import {
  BlockNotFoundError,
  type ByteRange,
  type CallOptions,
  type CID,
  type Codec,
  type ContentAddressedStore,
  resolveRange,
} from '@hamt/core'
import { CarIndexer } from '@ipld/car/indexer'
import { CliError, EXIT } from '../exit-codes.js'

/**
 * A read-only store over a CAR file: the file is indexed once (each block's offset and length, by
 * multihash, so any codec label finds it) and blocks are read from disk on demand. Blocks are
 * trusted as the file holds them; `hamt verify` checks them.
 */
export class CarFileStore implements ContentAddressedStore {
  readonly #index = new Map<string, { offset: number; length: number }>()

  private constructor(
    readonly path: string,
    readonly roots: CID[],
    readonly file: FileHandle,
  ) {}

  /** Opens and indexes the CAR file at `path`. */
  static async open(path: string): Promise<CarFileStore> {
    const indexer = await CarIndexer.fromIterable(createReadStream(path))
    const store = new CarFileStore(path, await indexer.getRoots(), await open(path, 'r'))
    for await (const entry of indexer) {
      store.#index.set(keyOf(entry.cid), { offset: entry.blockOffset, length: entry.blockLength })
    }
    return store
  }

  /** Blocks in the file. */
  get blockCount(): number {
    return this.#index.size
  }

  async save(_data: Uint8Array, _codec: Codec): Promise<CID> {
    throw new CliError(
      'ERR_READ_ONLY',
      EXIT.data,
      `--car ${this.path} is read-only: write with --dir PATH or --rpc URL`,
    )
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const entry = this.#index.get(keyOf(id))
    if (entry === undefined) throw new BlockNotFoundError(id, `CAR file ${this.path}`)
    const { start, end } = range === undefined ? { start: 0, end: entry.length } : resolveRange(range, entry.length)
    const bytes = new Uint8Array(end - start)
    if (bytes.length > 0) await this.file.read(bytes, 0, bytes.length, entry.offset + start)
    return bytes
  }

  async close(): Promise<void> {
    await this.file.close()
  }
}
