import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import * as dagCbor from '@ipld/dag-cbor'
import { expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { type ConvertProgress, convertHamtToSharded, ShardedZarrStore } from '../src/index.js'
import { collect } from './helpers.js'

async function hamtDataset(cas: InMemoryCAS): Promise<CID> {
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  const store = new ZarrHAMTStore(hamt)
  await zarr.create(store, { attributes: { source: 'hamt' } })
  const temp = await zarr.create(zarr.root(store).resolve('temp'), {
    shape: [5, 3],
    chunkShape: [2, 2],
    dtype: 'float32',
    fillValue: 0,
  })
  await zarr.set(temp, null, {
    data: Float32Array.from({ length: 15 }, (_, i) => i / 2),
    shape: [5, 3],
    stride: [3, 1],
  })
  const lat = await zarr.create(zarr.root(store).resolve('lat'), { shape: [3], chunkShape: [3], dtype: 'float64' })
  await zarr.set(lat, null, { data: Float64Array.from([-45, 0, 45]), shape: [3], stride: [1] })
  return store.commit()
}

test('convertHamtToSharded copies pointers into a v2 store that reads back equal to its HAMT source', async () => {
  const cas = new InMemoryCAS()
  const hamtRoot = await hamtDataset(cas)
  const source = new ZarrHAMTStore(
    await HAMT.build({ cas, rootNodeId: hamtRoot, readOnly: true, valuesAreBytes: true }),
  )
  const blocksBefore = cas.blockCount
  const progress: ConvertProgress[] = []
  const root = await convertHamtToSharded(cas, hamtRoot, { onProgress: (p) => progress.push(p) })
  const sourceKeys = await collect(source.list())
  expect(progress.at(-1)).toEqual({ copied: sourceKeys.length, total: sourceKeys.length })
  // New blocks: one shard per array (6,250 chunks per shard by default), the root, and at most py-hamt's
  // implicit root group (saved when an array's metadata comes first in HAMT order); no chunk bytes.
  expect(cas.blockCount - blocksBefore).toBeGreaterThanOrEqual(3)
  expect(cas.blockCount - blocksBefore).toBeLessThanOrEqual(4)
  const hamt = await HAMT.build({ cas, rootNodeId: hamtRoot, readOnly: true, valuesAreBytes: true })
  const rootMetadata = (dagCbor.decode(await cas.load(root)) as { metadata: Record<string, CID> }).metadata
  for (const [key, cid] of Object.entries(rootMetadata)) expect(cid.equals(await hamt.getPointer(key))).toBe(true)
  const sharded = await ShardedZarrStore.open(cas, root)
  expect(await collect(sharded.list())).toEqual(sourceKeys)
  for (const key of sourceKeys) expect(await sharded.get(key)).toEqual(await source.get(key))
  const decoded = dagCbor.decode(await cas.load(root)) as { sharding_config: unknown; arrays: Record<string, unknown> }
  expect(decoded.sharding_config).toEqual({ chunks_per_shard: 6250, order: 'C' })
  expect(Object.keys(decoded.arrays).sort()).toEqual(['lat', 'temp'])
  const temp = await zarr.open(zarr.root(sharded).resolve('temp'), { kind: 'array' })
  expect(Array.from((await zarr.get(temp)).data as Float32Array)).toEqual(Array.from({ length: 15 }, (_, i) => i / 2))
})

test('the converter honours chunksPerShard', async () => {
  const cas = new InMemoryCAS()
  const root = await convertHamtToSharded(cas, await hamtDataset(cas), { chunksPerShard: 2 })
  const decoded = dagCbor.decode(await cas.load(root)) as { arrays: Record<string, { shard_cids: unknown[] }> }
  // temp: 3 x 2 = 6 chunks in shards of 2.
  expect(decoded.arrays.temp?.shard_cids).toHaveLength(3)
})
