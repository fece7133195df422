import { InMemoryCAS } from '../../cas-memory/src/index.js'
import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '../src/index.js'

/**
 * A FAKE for forging trees: a real InMemoryCAS that can also be made to answer a chosen CID with any
 * bytes, as a store that does not check what it serves would (a node linking to its own CID needs
 * this: no honest store can hold one).
 */
export class ForgingCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  readonly #forged = new Map<string, Uint8Array>()

  plant(cid: CID, bytes: Uint8Array): void {
    this.#forged.set(cid.toString(), bytes)
  }

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.#forged.get(id.toString()) ?? this.inner.load(id, range, options)
  }
}
