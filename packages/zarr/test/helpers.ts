import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore, type ZarrHAMTStoreOptions } from '../src/index.js'

/** A writable store on a fresh in-memory CAS. */
export async function writableStore(
  options?: ZarrHAMTStoreOptions,
): Promise<{ cas: InMemoryCAS; hamt: HAMT<Uint8Array>; store: ZarrHAMTStore }> {
  const cas = new InMemoryCAS()
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  return { cas, hamt, store: new ZarrHAMTStore(hamt, options) }
}

/** A read-only store on the dataset at `root`. */
export async function readOnlyStore(
  cas: InMemoryCAS,
  root: CID,
  options?: ZarrHAMTStoreOptions,
): Promise<ZarrHAMTStore> {
  const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
  return new ZarrHAMTStore(hamt, options)
}

export { collect } from '../../../tools/test-support/collect.js'

export { random } from '../../../tools/test-support/random.js'

export const utf8 = new TextEncoder()
