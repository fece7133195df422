import { InMemoryCAS } from '@hamt/cas-memory'
import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '@hamt/core'
import { CID as CIDClass } from '@hamt/core'

/** Multicodec code of dag-pb. */
export const DAG_PB = 0x70

/**
 * A FAKE store for tests (records calls, relabels blocks) over a real store (`over`, or a new {@link InMemoryCAS}):
 * - `dagPbAbove`: values longer than this come back labelled dag-pb, as Kubo labels a file it split
 *   into several chunks (loads of such a CID go to the inner store under the CID it gave, since a
 *   real dag-pb CID names a UnixFS file there);
 * - `delayMs`: every call waits this long, so concurrent calls overlap and can be counted.
 */
export class FakeRecordingCAS implements ContentAddressedStore {
  readonly inner: ContentAddressedStore
  readonly loads: { cid: CID; range: ByteRange | undefined; signal: AbortSignal | undefined }[] = []
  inFlight = 0
  maxInFlight = 0
  /** CIDs this fake relabelled dag-pb, by their string, with the CID the inner store gave. */
  readonly #relabelled = new Map<string, CID>()

  constructor(private readonly options: { over?: ContentAddressedStore; dagPbAbove?: number; delayMs?: number } = {}) {
    this.inner = options.over ?? new InMemoryCAS()
  }

  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.#track(async () => {
      const cid = await this.inner.save(data, codec, options)
      const limit = this.options.dagPbAbove
      if (limit === undefined || codec !== 'raw' || data.length <= limit || cid.code === DAG_PB) return cid
      const relabelled = CIDClass.createV1(DAG_PB, cid.multihash)
      this.#relabelled.set(relabelled.toString(), cid)
      return relabelled
    })
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.loads.push({ cid: id, range, signal: options?.signal })
    const inner = this.#relabelled.get(id.toString()) ?? id
    return this.#track(() => this.inner.load(inner, range, options))
  }

  async #track<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs))
      return await call()
    } finally {
      this.inFlight--
    }
  }
}
