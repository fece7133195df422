import { readFileSync } from 'node:fs'
import { InMemoryCAS } from '@hamt/cas-memory'
import { type ByteRange, type CallOptions, CID, type Codec, type ContentAddressedStore, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { encryptionTransform } from '@hamt/zarr-encrypted'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import * as dagCbor from '@ipld/dag-cbor'
import { expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { PathStore } from '../../core/test/path-store.js'
import { openZarr, openZarrWithLayout, ZarrLayoutError } from '../src/index.js'

/** Counts loads of a real InMemoryCAS per block (instrumentation, not a fake). */
class CountingCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  readonly loads = new Map<string, number>()
  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.loads.set(id.toString(), (this.loads.get(id.toString()) ?? 0) + 1)
    return this.inner.load(id, range, options)
  }
}

async function write(store: ZarrHAMTStore | ShardedZarrStore): Promise<CID> {
  await zarr.create(store)
  const temp = await zarr.create(zarr.root(store).resolve('g/temp'), {
    shape: [3, 2],
    chunkShape: [1, 2],
    dtype: 'float32',
  })
  await zarr.set(temp, null, { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2], stride: [2, 1] })
  return store.commit()
}

async function readTemp(store: ZarrHAMTStore | ShardedZarrStore): Promise<number[]> {
  const temp = await zarr.open(zarr.root(store).resolve('g/temp'), { kind: 'array' })
  return Array.from((await zarr.get(temp)).data as Float32Array)
}

test('opens a HAMT dataset by its root CID alone, reading the root block once', async () => {
  const cas = new CountingCAS()
  const root = await write(new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })))
  cas.loads.clear()
  const { layout, store } = await openZarrWithLayout(cas, root)
  expect(layout).toBe('hamt')
  expect(store).toBeInstanceOf(ZarrHAMTStore)
  expect(store.readOnly).toBe(true)
  expect(await readTemp(store)).toEqual([1, 2, 3, 4, 5, 6])
  expect(cas.loads.get(root.toString())).toBe(1)
})

test('opens a sharded v2 dataset, reading the root block once', async () => {
  const cas = new CountingCAS()
  const root = await write(ShardedZarrStore.create(cas, { chunksPerShard: 2 }))
  cas.loads.clear()
  const { layout, store } = await openZarrWithLayout(cas, root)
  expect(layout).toBe('sharded_zarr_v2')
  expect(store).toBeInstanceOf(ShardedZarrStore)
  expect(await readTemp(store)).toEqual([1, 2, 3, 4, 5, 6])
  expect(cas.loads.get(root.toString())).toBe(1)
})

test('opens the py-hamt sharded v1 vector', async () => {
  const vector = JSON.parse(
    readFileSync(new URL('../../zarr-sharded/test/vectors/pyhamt-sharded-v1-single-var.json', import.meta.url), 'utf8'),
  ) as { blocks: Record<string, string>; root_cid: string }
  const cas = new InMemoryCAS()
  for (const [cid, base64] of Object.entries(vector.blocks)) {
    await cas.save(new Uint8Array(Buffer.from(base64, 'base64')), CID.parse(cid).code === 0x71 ? 'dag-cbor' : 'raw')
  }
  const { layout, store } = await openZarrWithLayout(cas, CID.parse(vector.root_cid))
  expect(layout).toBe('sharded_zarr_v1')
  const temp = await zarr.open(zarr.root(store).resolve('temp'), { kind: 'array' })
  expect(Array.from((await zarr.get(temp, [3, 3, null])).data as Float64Array)).toEqual([90, 91, 92, 93, 94, 95])
})

test('passes the encryption transform to either layout', async () => {
  const transform = encryptionTransform({ encryptionKey: new Uint8Array(32).fill(3), header: 'open' })
  const cas = new InMemoryCAS()
  const sharded = await write(ShardedZarrStore.create(cas, { transform }))
  const hamt = await write(
    new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }), { transform }),
  )
  for (const root of [sharded, hamt])
    expect(await readTemp(await openZarr(cas, root, { transform }))).toEqual([1, 2, 3, 4, 5, 6])
})

test('a root of neither layout is a ZarrLayoutError naming the CID', async () => {
  const cas = new InMemoryCAS()
  for (const block of [dagCbor.encode({ hello: 'world' }), dagCbor.encode([1, 2, 3])]) {
    const root = await cas.save(block, 'dag-cbor')
    await expect(openZarr(cas, root)).rejects.toMatchObject({
      name: 'ZarrLayoutError',
      code: 'ERR_ZARR_LAYOUT',
      cid: root,
    })
  }
  const raw = await cas.save(Uint8Array.of(0xff), 'raw')
  await expect(openZarr(cas, raw)).rejects.toThrow(ZarrLayoutError)
  const badSharded = await cas.save(dagCbor.encode({ manifest_version: 'sharded_zarr_v9' }), 'dag-cbor')
  await expect(openZarr(cas, badSharded)).rejects.toMatchObject({ code: 'ERR_SHARDED_ROOT' })
})

test('passes preloadDepth to a HAMT store and prefetchShards to a sharded one: loads start on open', async () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20))
  const cas = new CountingCAS()
  const entries = Array.from({ length: 600 }, (_, i) => [`k/c/${i}`, Uint8Array.of(i & 0xff)] as const)
  const hamtRoot = (await HAMT.fromEntries(entries, { cas, valuesAreBytes: true })).rootNodeId
  cas.loads.clear()
  await openZarr(cas, hamtRoot, { preloadDepth: 1 })
  await tick()
  const preloaded = cas.loads.size
  expect(preloaded).toBeGreaterThan(10) // the root and its children
  cas.loads.clear()
  await openZarr(cas, hamtRoot, { preloadDepth: 0 })
  await tick()
  // The root, and the node under it where zarr.json would be (this dataset has none).
  expect(cas.loads.size).toBeLessThanOrEqual(2)

  const shardedRoot = await write(ShardedZarrStore.create(cas, { chunksPerShard: 2 }))
  cas.loads.clear()
  await openZarr(cas, shardedRoot, { prefetchShards: 2 })
  await tick()
  expect(cas.loads.size).toBe(4) // the root, two shards, and zarr.json
  cas.loads.clear()
  await openZarr(cas, shardedRoot, { prefetchShards: 0 })
  await tick()
  expect(cas.loads.size).toBe(2)
})

test('with a store that fetches paths, the open brings zarr.json’s chain of nodes: its first read waits for the value alone', async () => {
  const cas = new PathStore()
  const writer = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true, maxBucketSize: 1 }))
  // Enough keys that the root's slots are links and zarr.json sits under a level-1 node.
  await zarr.create(writer)
  const big = await zarr.create(zarr.root(writer).resolve('big'), { shape: [3000], chunkShape: [1], dtype: 'uint8' })
  await zarr.set(big, null, 7)
  const root = await writer.commit()
  cas.reset()
  const store = await openZarr(cas, root)
  expect(cas.pathLoads.map((load) => load.root)).toEqual([root.toString()])
  expect(cas.pathLoads[0]?.blocks).toBeGreaterThan(1)
  expect(cas.loads).toBe(0)
  const group = await zarr.open.v3(zarr.root(store), { kind: 'group' })
  expect(group.kind).toBe('group')
  // The root group's zarr.json: its value, and nothing else.
  expect(cas.roundTrips).toBe(2)
  const sharded = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
  const shardedRoot = await write(sharded)
  cas.reset()
  expect(await readTemp(await openZarr(cas, shardedRoot))).toEqual([1, 2, 3, 4, 5, 6])
  expect(cas.pathLoads[0]?.blocks).toBe(1) // a sharded root: the path does not resolve, the root comes alone
})
