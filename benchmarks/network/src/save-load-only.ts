import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '@hamt/core'

/**
 * A store that is `save` and `load` of another and nothing more: without `loadPath`, a HAMT reader
 * walks a key's nodes one request per level, as before path reads. `--no-path-reads` reads through
 * it, the A/B against the same `KuboCAS` with its `loadPath`.
 */
export class SaveLoadOnlyCAS implements ContentAddressedStore {
  readonly #inner: ContentAddressedStore

  constructor(inner: ContentAddressedStore) {
    this.#inner = inner
  }

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.#inner.save(data, codec, options)
  }

  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.#inner.load(id, range, options)
  }
}

/** Whether `cas` reads paths: whether it has a `loadPath` (`KuboCAS` gains one; not every store has it). */
export function readsPaths(cas: ContentAddressedStore): boolean {
  return typeof cas.loadPath === 'function'
}
