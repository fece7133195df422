import { InMemoryCAS } from '../../cas-memory/src/index.js'
import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '../src/index.js'

/**
 * A FAKE for injecting faults: wraps a real InMemoryCAS, counts calls, and can fail or delay chosen
 * saves and loads.
 */
export class FaultInjectingCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  saves = { raw: 0, 'dag-cbor': 0 }
  loads: string[] = []
  /** Return an Error to fail this save (after counting it), or a delay in ms. */
  onSave: (codec: Codec, n: number) => Error | number | undefined = () => undefined
  onLoad: (cid: CID) => Error | undefined = () => undefined

  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    const n = ++this.saves[codec]
    const fault = this.onSave(codec, n)
    if (fault instanceof Error) throw fault
    if (typeof fault === 'number') await new Promise((resolve) => setTimeout(resolve, fault))
    return this.inner.save(data, codec, options)
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.loads.push(id.toString())
    const fault = this.onLoad(id)
    if (fault instanceof Error) throw fault
    return this.inner.load(id, range, options)
  }

  reset(): void {
    this.saves = { raw: 0, 'dag-cbor': 0 }
    this.loads = []
  }
}
