import { type BlockLoader, type BlockPutter, loadBlock } from '@hamt/car'
import {
  BlockNotFoundError,
  type ByteRange,
  type CallOptions,
  type CID,
  type Codec,
  type ContentAddressedStore,
} from '@hamt/core'
import { CliError, EXIT } from '../exit-codes.js'

/** One store the command line opened, with the option that named it. */
export interface NamedStore {
  /** `--dir PATH`, `--gateway URL`, … */
  name: string
  cas: ContentAddressedStore & Partial<BlockPutter> & Partial<BlockLoader>
  close?: () => Promise<void>
}

/**
 * The stores of one command line as one: reads try each in order (local ones first) until one has the
 * block; writes go to the one writable store (`--dir` or `--rpc`).
 */
export class LayeredStore implements ContentAddressedStore, BlockPutter, BlockLoader {
  constructor(
    readonly readers: readonly NamedStore[],
    readonly writer: NamedStore | undefined,
  ) {}

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.#writable().cas.save(data, codec, options)
  }

  async putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    const { cas } = this.#writable()
    if (typeof cas.putBlock === 'function') return cas.putBlock(cid, bytes, options)
    await cas.save(bytes, cid.code === 0x71 ? 'dag-cbor' : 'raw', options)
  }

  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.#first(id, (cas) => cas.load(id, range, options), options)
  }

  loadBlock(id: CID, options?: CallOptions): Promise<Uint8Array> {
    return this.#first(id, (cas) => loadBlock(cas, id, options), options)
  }

  async #first(
    id: CID,
    read: (cas: NamedStore['cas']) => Promise<Uint8Array>,
    options: CallOptions | undefined,
  ): Promise<Uint8Array> {
    let failure: unknown
    for (const store of this.readers) {
      try {
        return await read(store.cas)
      } catch (error) {
        options?.signal?.throwIfAborted()
        // Not here, or this store failed: the next may have it. A real failure outranks "not found".
        if (failure === undefined || failure instanceof BlockNotFoundError) failure = error
      }
    }
    if (failure instanceof BlockNotFoundError || failure === undefined) {
      throw new BlockNotFoundError(id, this.readers.map((store) => store.name).join(', '))
    }
    throw failure
  }

  async close(): Promise<void> {
    const stores = new Set([...this.readers, ...(this.writer === undefined ? [] : [this.writer])])
    await Promise.allSettled([...stores].map((store) => store.close?.()))
  }

  #writable(): NamedStore {
    if (this.writer === undefined) {
      throw new CliError(
        'ERR_READ_ONLY',
        EXIT.data,
        `this command writes, and ${this.readers.map((s) => s.name).join(', ')} ${this.readers.length === 1 ? 'is' : 'are'} read-only: give --dir PATH or --rpc URL`,
      )
    }
    return this.writer
  }
}
