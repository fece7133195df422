import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { SimpleEncryptedZarrHAMTStore } from '../src/index.js'

export const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 3)
export const HEADER = 'fully-encrypted-zarr'

export async function writableEncrypted(key = KEY, header: Uint8Array | string = HEADER) {
  const cas = new InMemoryCAS()
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  return { cas, hamt, store: new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey: key, header }) }
}

export async function readOnlyHamt(cas: InMemoryCAS, root: CID): Promise<HAMT<Uint8Array>> {
  return HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
}

export { collect } from '../../../tools/test-support/collect.js'

export const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16))
export const b64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
export const utf8 = new TextEncoder()
