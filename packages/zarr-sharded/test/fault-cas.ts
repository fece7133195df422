import { InMemoryCAS } from '@hamt/cas-memory'
import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '@hamt/core'

/**
 * A fault-injecting wrapper of a real InMemoryCAS: counts loads per block, and fails the loads of
 * the blocks in `failing` as a network error would.
 */
export class FaultyCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  readonly loads = new Map<string, number>()
  readonly failing = new Set<string>()
  delayMs = 0
  /** Saves left before every further save fails (Infinity: never). */
  savesBeforeFailure = Number.POSITIVE_INFINITY

  get totalLoads(): number {
    let total = 0
    for (const n of this.loads.values()) total += n
    return total
  }

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    if (this.savesBeforeFailure <= 0) return Promise.reject(new Error('injected failure saving a block'))
    this.savesBeforeFailure--
    return this.inner.save(data, codec, options)
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const key = id.toString()
    this.loads.set(key, (this.loads.get(key) ?? 0) + 1)
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    if (this.failing.has(key)) throw new Error(`injected network failure loading ${key}`)
    return this.inner.load(id, range, options)
  }
}
