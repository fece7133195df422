import type { CID } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { ShardedZarrStore } from '../src/index.js'
import { FaultyCAS } from './fault-cas.js'

/** Two arrays of 8×8 one-value chunks, 16 chunks per shard: 4 shards each. */
async function twoArrays(cas: FaultyCAS): Promise<{ root: CID; shards: Map<string, CID[]> }> {
  const store = ShardedZarrStore.create(cas, { chunksPerShard: 16 })
  await zarr.create(store)
  for (const [name, base] of [
    ['a', 0],
    ['b', 1000],
  ] as const) {
    const arr = await zarr.create(zarr.root(store).resolve(name), { shape: [8, 8], chunkShape: [1, 1], dtype: 'int32' })
    const data = Int32Array.from({ length: 64 }, (_, i) => base + i)
    await zarr.set(arr, null, { data, shape: [8, 8], stride: [8, 1] })
  }
  const root = await store.commit()
  const decoded = dagCbor.decode(await cas.inner.load(root)) as { arrays: Record<string, { shard_cids: CID[] }> }
  const shards = new Map(Object.entries(decoded.arrays).map(([path, index]) => [path, index.shard_cids]))
  return { root, shards }
}

const loaded = (cas: FaultyCAS, cids: CID[] | undefined) =>
  (cids ?? []).map((cid) => cas.loads.get(cid.toString()) ?? 0)

describe('shard prefetch on open', () => {
  test('a read-only store loads the first shards of every array at once, in the background, once each', async () => {
    const cas = new FaultyCAS()
    const { root, shards } = await twoArrays(cas)
    cas.loads.clear()
    cas.delayMs = 5
    const store = await ShardedZarrStore.open(cas, root, { prefetchShards: 3 })
    // Shard 0 of each array, then shard 1 of the first: 3 in all, loading before any read.
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(loaded(cas, shards.get('a'))).toEqual([1, 1, 0, 0])
    expect(loaded(cas, shards.get('b'))).toEqual([1, 0, 0, 0])
    // Reads find them cached: no shard is loaded twice.
    const arr = await zarr.open(zarr.root(store).resolve('a'), { kind: 'array' })
    expect(Array.from((await zarr.get(arr, [null, 0])).data as Int32Array)).toEqual([0, 8, 16, 24, 32, 40, 48, 56])
    expect(loaded(cas, shards.get('a'))).toEqual([1, 1, 1, 1])
  })

  test('every shard when the budget allows, none with 0 or for a writable store; a failed prefetch is retried by the read', async () => {
    const cas = new FaultyCAS()
    const { root, shards } = await twoArrays(cas)
    cas.loads.clear()
    await ShardedZarrStore.open(cas, root, { prefetchShards: 100 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect([...loaded(cas, shards.get('a')), ...loaded(cas, shards.get('b'))]).toEqual(new Array(8).fill(1))
    cas.loads.clear()
    await ShardedZarrStore.open(cas, root, { prefetchShards: 0 })
    await ShardedZarrStore.open(cas, root, { writable: true })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(loaded(cas, shards.get('a'))).toEqual([0, 0, 0, 0])
    expect(() => ShardedZarrStore.create(cas, { prefetchShards: -1 })).toThrow(/prefetchShards/)

    const first = (shards.get('a') as CID[])[0] as CID
    cas.failing.add(first.toString())
    const store = await ShardedZarrStore.open(cas, root)
    await new Promise((resolve) => setTimeout(resolve, 20))
    cas.failing.clear()
    expect(await store.get('a/c/0/1')).toEqual(new Uint8Array(Int32Array.of(1).buffer))
  })
})

describe('the store limit and the CAS limit do not compound', () => {
  test('without concurrency, loads are bounded by the CAS alone; with it, by the store too', async () => {
    const cas = new FaultyCAS()
    const { root } = await twoArrays(cas)
    cas.delayMs = 5
    let inFlight = 0
    let peak = 0
    const load = cas.load.bind(cas)
    cas.load = async (...args) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      try {
        return await load(...args)
      } finally {
        inFlight--
      }
    }
    const read = async (store: ShardedZarrStore) => {
      const arr = await zarr.open(zarr.root(store).resolve('a'), { kind: 'array' })
      await zarr.get(arr)
    }
    await read(await ShardedZarrStore.open(cas, root))
    expect(peak).toBeGreaterThan(32) // the 64 chunks at once: no store default of 32 in the way
    peak = 0
    await read(await ShardedZarrStore.open(cas, root, { concurrency: 3 }))
    expect(peak).toBeLessThanOrEqual(3)
  })
})
