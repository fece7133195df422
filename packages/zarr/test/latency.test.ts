import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT, InvalidOptionError } from '@hamt/core'
import { describe, expect, test } from 'vitest'
import { ZarrHAMTStore } from '../src/index.js'
import { FakeRecordingCAS } from './fake-cas.js'

const RAW = 0x55

/** A read-only store of `count` chunk keys over a recording CAS that delays every call. */
async function dataset(
  count: number,
  delayMs: number,
  options: ConstructorParameters<typeof ZarrHAMTStore>[1],
  keyPrefix = '',
  maxBucketSize = 4,
) {
  const inner = new InMemoryCAS()
  const writer = await HAMT.fromEntries(
    Array.from({ length: count }, (_, i) => [`${keyPrefix}temp/c/${i}`, Uint8Array.of(i & 0xff, i >> 8)] as const),
    { cas: inner, valuesAreBytes: true, maxBucketSize },
  )
  const cas = new FakeRecordingCAS({ over: inner, delayMs })
  const hamt = await HAMT.build<Uint8Array>({
    cas,
    rootNodeId: writer.rootNodeId,
    readOnly: true,
    valuesAreBytes: true,
  })
  return { cas, store: new ZarrHAMTStore(hamt, options) }
}

describe('latency hiding', () => {
  test('finding keys takes no concurrency slot: the walks of one selection run together', async () => {
    const { cas, store } = await dataset(2000, 5, { concurrency: 1 })
    const values = await Promise.all(Array.from({ length: 64 }, (_, i) => store.get(`/temp/c/${i}`)))
    expect(values).toEqual(Array.from({ length: 64 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8)))
    // Node loads overlapped (more than one in flight) while value loads kept to the limit of 1.
    expect(cas.maxInFlight).toBeGreaterThan(1)
    const ranges = await Promise.all([
      store.getRange('/temp/c/1', { offset: 1, length: 1 }),
      store.getRange('/temp/c/2', { suffixLength: 1 }),
    ])
    expect(ranges).toEqual([Uint8Array.of(0), Uint8Array.of(0)])
    expect(await store.has('/temp/c/3')).toBe(true)
  })

  test('preloadDepth 1 loads the root and its children as the store is made, before any read', async () => {
    const { cas, store } = await dataset(3000, 0, { preloadDepth: 1 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const nodeLoads = cas.loads.filter((load) => load.cid.code !== RAW).length
    expect(nodeLoads).toBeGreaterThan(100)
    const before = cas.loads.length
    expect(await store.get('/temp/c/7')).toEqual(Uint8Array.of(7, 0))
    // The level-1 node was at hand: the value, and at most the nodes under level 1.
    expect(cas.loads.length - before).toBeLessThanOrEqual(2)
  })

  test('by default, level 1 is loaded when zarr.json’s nodes show it is the last and small; 0 loads nothing', async () => {
    const tick = () => new Promise((resolve) => setTimeout(resolve, 50))
    const shallow = await dataset(3000, 0, {})
    await tick()
    expect(shallow.cas.loads.length).toBeGreaterThan(240) // the root and all of level 1, which holds every bucket
    const before = shallow.cas.loads.length
    expect(await shallow.store.get('/temp/c/7')).toEqual(Uint8Array.of(7, 0))
    expect(shallow.cas.loads.length - before).toBe(1) // the value alone
    // Long keys: level 1 would take more than 1 MiB, so only zarr.json's nodes are loaded.
    const long = await dataset(3000, 0, {}, 'x'.repeat(400))
    await tick()
    expect(long.cas.loads.length).toBe(2)
    // A deep tree (bucket size 1): level 1 holds links, so the reads load what they need.
    const deep = await dataset(3000, 0, {}, '', 1)
    await tick()
    expect(deep.cas.loads.length).toBeLessThanOrEqual(3)
    const off = await dataset(3000, 0, { preloadDepth: 0 })
    await tick()
    expect(off.cas.loads.length).toBe(0)
  })

  test('a bad preloadDepth is refused; a failed preload is only a hint', async () => {
    const { cas } = await dataset(300, 0, { preloadDepth: 0 })
    const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
    expect(() => new ZarrHAMTStore(hamt, { preloadDepth: -1 })).toThrow(InvalidOptionError)
    const missing = await HAMT.build<Uint8Array>({
      cas: new InMemoryCAS(),
      rootNodeId: (await HAMT.fromEntries([['a', Uint8Array.of(1)]], { cas: new InMemoryCAS(), valuesAreBytes: true }))
        .rootNodeId,
      readOnly: true,
      valuesAreBytes: true,
    })
    const store = new ZarrHAMTStore(missing, { preloadDepth: 1 })
    await expect(store.get('/a')).rejects.toThrow(/not found|no block/i)
  })
})

describe('the store limit and the CAS limit do not compound', () => {
  test('without concurrency, reads are bounded by the CAS alone; with it, by the store too', async () => {
    const unbounded = await dataset(500, 5, {})
    await Promise.all(Array.from({ length: 200 }, (_, i) => unbounded.store.get(`/temp/c/${i}`)))
    expect(unbounded.cas.maxInFlight).toBeGreaterThan(32)
    const bounded = await dataset(500, 5, { concurrency: 8 })
    // Values only (keys found first), so every load in flight is a value load under the store's limit.
    await Promise.all(Array.from({ length: 200 }, (_, i) => bounded.store.has(`/temp/c/${i}`)))
    bounded.cas.maxInFlight = 0
    await Promise.all(Array.from({ length: 200 }, (_, i) => bounded.store.get(`/temp/c/${i}`)))
    expect(bounded.cas.maxInFlight).toBeLessThanOrEqual(8)
  })
})
