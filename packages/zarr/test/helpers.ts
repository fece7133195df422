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

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const utf8 = new TextEncoder()
