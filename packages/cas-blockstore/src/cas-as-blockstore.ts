import { BlockNotFoundError, type ContentAddressedStore } from '@hamt/core'
import { type BlockReader, DAG_PB, isBlockReader } from '@hamt/unixfs'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { NotFoundError } from 'interface-store'
import type { CID } from 'multiformats/cid'
import { ReadOnlyBlockstoreError, UnsupportedOperationError } from './errors.js'

/**
 * `cas` as a read-only `interface-blockstore`, for code that reads blocks: a Helia node serving a
 * dataset to peers, `@ipld/car`'s writer, an `ipfs-unixfs-exporter`. `get` returns the block under
 * the CID (a missing one is the `NotFoundError` blockstores throw); writes throw a
 * {@link ReadOnlyBlockstoreError}, and `getAll` an {@link UnsupportedOperationError} (a store need
 * not list its blocks).
 *
 * Single-block CIDs (raw, dag-cbor) work with any store. The blocks of a UnixFS file (a value over
 * 1 MiB, named by a dag-pb CID) need a store with block-level reads (`loadBlock`, as `InMemoryCAS`
 * and {@link BlockstoreCAS} have): `load` would return the file, not its root block.
 *
 * @example
 * ```ts
 * const blocks = casAsBlockstore(new InMemoryCAS())
 * ```
 */
export function casAsBlockstore(cas: ContentAddressedStore | (ContentAddressedStore & BlockReader)): Blockstore {
  return new CasBlockstore(cas)
}

/** What every blockstore call accepts. */
interface AbortOptions {
  signal?: AbortSignal
}

class CasBlockstore implements Blockstore {
  readonly #cas: ContentAddressedStore
  readonly #blocks: BlockReader | undefined

  constructor(cas: ContentAddressedStore) {
    this.#cas = cas
    this.#blocks = isBlockReader(cas) ? cas : undefined
  }

  async *get(key: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    yield await this.#read(key, options)
  }

  async has(key: CID, options?: AbortOptions): Promise<boolean> {
    try {
      await this.#read(key, options)
      return true
    } catch (error) {
      if (error instanceof NotFoundError) return false
      throw error
    }
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) {
      const bytes = await this.#read(cid, options)
      yield { cid, bytes: single(bytes) }
    }
  }

  // biome-ignore lint/correctness/useYield: it refuses before yielding anything
  async *getAll(): AsyncGenerator<Pair> {
    throw new UnsupportedOperationError('getAll: a ContentAddressedStore cannot list its blocks')
  }

  async put(_key: CID, _value: unknown): Promise<CID> {
    throw new ReadOnlyBlockstoreError('put')
  }

  // biome-ignore lint/correctness/useYield: it refuses before yielding anything
  async *putMany(_source: Iterable<InputPair> | AsyncIterable<InputPair>): AsyncGenerator<CID> {
    throw new ReadOnlyBlockstoreError('putMany')
  }

  async delete(_key: CID): Promise<void> {
    throw new ReadOnlyBlockstoreError('delete')
  }

  // biome-ignore lint/correctness/useYield: it refuses before yielding anything
  async *deleteMany(_source: Iterable<CID> | AsyncIterable<CID>): AsyncGenerator<CID> {
    throw new ReadOnlyBlockstoreError('deleteMany')
  }

  async #read(cid: CID, options: AbortOptions | undefined): Promise<Uint8Array> {
    const call = options?.signal === undefined ? undefined : { signal: options.signal }
    try {
      if (this.#blocks !== undefined) return await this.#blocks.loadBlock(cid, call)
      if (cid.code === DAG_PB) {
        throw new UnsupportedOperationError(
          `get ${cid.toString()}: a dag-pb block needs a store with block-level reads (loadBlock)`,
        )
      }
      return await this.#cas.load(cid, undefined, call)
    } catch (error) {
      if (error instanceof BlockNotFoundError) throw new NotFoundError(error.message)
      throw error
    }
  }
}

function* single(bytes: Uint8Array): Generator<Uint8Array> {
  yield bytes
}
