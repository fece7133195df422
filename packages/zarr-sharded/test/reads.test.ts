import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, InvalidOptionError } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { ShardedZarrError, ShardedZarrStore } from '../src/index.js'
import { FaultyCAS } from './fault-cas.js'
import { collect } from './helpers.js'

async function grid(cas: FaultyCAS | InMemoryCAS, chunksPerShard: number, side = 8): Promise<CID> {
  const store = ShardedZarrStore.create(cas, { chunksPerShard })
  await zarr.create(store)
  const arr = await zarr.create(zarr.root(store).resolve('g/v'), {
    shape: [side, side],
    chunkShape: [1, 1],
    dtype: 'int32',
    fillValue: -1,
  })
  await zarr.set(arr, null, {
    data: Int32Array.from({ length: side * side }, (_, i) => i),
    shape: [side, side],
    stride: [side, 1],
  })
  return store.commit()
}

function shardCids(decoded: unknown, path: string): (CID | null)[] {
  return (decoded as { arrays: Record<string, { shard_cids: (CID | null)[] }> }).arrays[path]?.shard_cids ?? []
}

describe('reads that scale', () => {
  test('a shard is loaded once however many concurrent readers ask for it', async () => {
    const cas = new FaultyCAS()
    const root = await grid(cas, 16)
    const shards = shardCids(dagCbor.decode(await cas.inner.load(root)), 'g/v')
    cas.delayMs = 5
    cas.loads.clear()
    const store = await ShardedZarrStore.open(cas, root)
    const arr = await zarr.open(zarr.root(store).resolve('g/v'), { kind: 'array' })
    const results = await Promise.all(Array.from({ length: 8 }, (_, row) => zarr.get(arr, [row, null])))
    results.forEach((r, row) => {
      expect(Array.from(r.data as Int32Array)).toEqual(Array.from({ length: 8 }, (_, i) => row * 8 + i))
    })
    for (const shard of shards) expect(cas.loads.get((shard as CID).toString())).toBe(1)
  })

  test('sparse single-entry reads, then a full index once the shard is hot; the cache stays within its byte budget', async () => {
    const cas = new InMemoryCAS()
    const root = await grid(cas, 16, 16)
    const store = await ShardedZarrStore.open(cas, root, { hotShardAfter: 4, shardCacheMaxBytes: 2_000 })
    const arr = await zarr.open(zarr.root(store).resolve('g/v'), { kind: 'array' })
    for (let row = 0; row < 16; row++) {
      expect(Array.from((await zarr.get(arr, [row, null])).data as Int32Array)[3]).toBe(row * 16 + 3)
      expect(store.shardCacheStats.bytes).toBeLessThanOrEqual(2_000)
    }
    expect(store.shardCacheStats.shards).toBeGreaterThan(0)
    const big = await ShardedZarrStore.open(cas, root, { hotShardAfter: 1 })
    const sparse = await ShardedZarrStore.open(cas, root, { hotShardAfter: 1_000 })
    for (const s of [big, sparse]) {
      const a = await zarr.open(zarr.root(s).resolve('g/v'), { kind: 'array' })
      await zarr.get(a, [0, null])
    }
    // An indexed shard holds its offsets table besides its bytes.
    expect(big.shardCacheStats.bytes).toBeGreaterThan(sparse.shardCacheStats.bytes)
  })

  test('a network error loading a shard or a chunk is an error, never a fill value', async () => {
    const cas = new FaultyCAS()
    const root = await grid(cas, 16)
    const decoded = dagCbor.decode(await cas.inner.load(root))
    const shard = shardCids(decoded, 'g/v')[0] as CID
    cas.failing.add(shard.toString())
    const store = await ShardedZarrStore.open(cas, root)
    await expect(store.get('g/v/c/0/0')).rejects.toThrow(/injected network failure/)
    cas.failing.clear()
    // The failure is not cached: the next read loads the shard again.
    expect(await store.get('g/v/c/0/0')).toBeDefined()
    const chunk = dagCbor.decode(await cas.inner.load(shard)) as CID[]
    cas.failing.add((chunk[1] as CID).toString())
    await expect(store.get('g/v/c/0/1')).rejects.toThrow(/injected network failure/)
    await expect(store.getRange('g/v/c/0/1', { offset: 0, length: 1 })).rejects.toThrow(/injected network failure/)
  })

  test('a chunk is absent (fill value) only where the index says so: a null entry or a null shard', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
    await zarr.create(store)
    const arr = await zarr.create(zarr.root(store).resolve('g/v'), {
      shape: [6],
      chunkShape: [1],
      dtype: 'int8',
      fillValue: 7,
    })
    await zarr.set(arr, [zarr.slice(0, 1)], { data: Int8Array.of(1), shape: [1], stride: [1] })
    const root = await store.commit()
    expect(shardCids(dagCbor.decode(await cas.load(root)), 'g/v').map((c) => c === null)).toEqual([false, true, true])
    const reader = await ShardedZarrStore.open(cas, root)
    expect(await reader.get('g/v/c/1')).toBeUndefined()
    expect(await reader.get('g/v/c/5')).toBeUndefined()
    const read = await zarr.open(zarr.root(reader).resolve('g/v'), { kind: 'array' })
    expect(Array.from((await zarr.get(read)).data as Int8Array)).toEqual([1, 7, 7, 7, 7, 7])
  })

  test('range reads slice the chunk', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
    await store.set('zarr.json', new TextEncoder().encode('{"zarr_format":3,"node_type":"group"}'))
    await store.set('blob', Uint8Array.of(1, 2, 3, 4, 5))
    const reader = await ShardedZarrStore.open(cas, await store.commit())
    expect(await reader.getRange('/blob', { offset: 1, length: 2 })).toEqual(Uint8Array.of(2, 3))
    expect(await reader.getRange('blob', { suffixLength: 2 })).toEqual(Uint8Array.of(4, 5))
    expect(await reader.getRange('zarr.json', { offset: 0, length: 1 })).toEqual(Uint8Array.of(0x7b))
    expect(await reader.getRange('missing', { offset: 0, length: 1 })).toBeUndefined()
  })
})

describe('concurrency', () => {
  test('concurrent writers and readers: every write lands, the root matches a sequential write', async () => {
    const write = async (concurrent: boolean): Promise<CID> => {
      const cas = new InMemoryCAS()
      const store = ShardedZarrStore.create(cas, { chunksPerShard: 5 })
      await zarr.create(store)
      const arr = await zarr.create(zarr.root(store).resolve('g/v'), {
        shape: [40],
        chunkShape: [1],
        dtype: 'int32',
        fillValue: 0,
      })
      const one = (i: number) =>
        zarr.set(arr, [zarr.slice(i, i + 1)], { data: Int32Array.of(i + 1), shape: [1], stride: [1] })
      if (concurrent) {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => Promise.all([one(i), store.get(`g/v/c/${(i + 7) % 40}`)])),
        )
      } else for (let i = 0; i < 40; i++) await one(i)
      expect(Array.from((await zarr.get(arr)).data as Int32Array)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      return store.commit()
    }
    expect((await write(true)).toString()).toBe((await write(false)).toString())
  })
})

describe('bad input gets a typed error', () => {
  async function rootOf(cas: InMemoryCAS, value: unknown): Promise<CID> {
    return cas.save(dagCbor.encode(value), 'dag-cbor')
  }
  const v2 = (arrays: unknown) => ({
    manifest_version: 'sharded_zarr_v2',
    store_type: 'py_hamt.sharded_zarr',
    zarr_format: 3,
    sharding_config: { chunks_per_shard: 2, order: 'C' },
    metadata: {},
    arrays,
  })

  test('a root of neither layout', async () => {
    const cas = new InMemoryCAS()
    for (const value of [
      [1, 2],
      { manifest_version: 'other' },
      { manifest_version: 'sharded_zarr_v2', metadata: {} },
    ]) {
      const root = await rootOf(cas, value)
      await expect(ShardedZarrStore.open(cas, root)).rejects.toMatchObject({ code: 'ERR_SHARDED_ROOT', cid: root })
    }
    const raw = await cas.save(Uint8Array.of(0xff, 0x00), 'raw')
    await expect(ShardedZarrStore.open(cas, raw)).rejects.toThrow(ShardedZarrError)
    const badMeta = await rootOf(cas, { ...v2({}), metadata: { 'zarr.json': 5 } })
    await expect(ShardedZarrStore.open(cas, badMeta)).rejects.toThrow(/metadata\["zarr.json"\] is not a CID/)
  })

  test('a shard count that does not match the geometry', async () => {
    const cas = new InMemoryCAS()
    const root = await rootOf(
      cas,
      v2({
        a: {
          array_shape: [5],
          chunk_shape: [1],
          sharding_config: { chunks_per_shard: 2, order: 'C' },
          shard_cids: [null],
        },
      }),
    )
    await expect(ShardedZarrStore.open(cas, root)).rejects.toMatchObject({ code: 'ERR_SHARDED_GEOMETRY' })
    await expect(ShardedZarrStore.open(cas, root)).rejects.toThrow(/needs 3 shards, the index lists 1/)
  })

  test('a shard that is not a list of CIDs and nulls, or has the wrong length', async () => {
    const cas = new InMemoryCAS()
    const chunk = await cas.save(Uint8Array.of(1), 'raw')
    const cases: [unknown, RegExp][] = [
      [{ not: 'a list' }, /not a DAG-CBOR list/],
      [[chunk, 'text'], /neither a CID nor null/],
      [[chunk], /has 1 entries, chunks_per_shard is 2/],
    ]
    for (const [shardValue, message] of cases) {
      const shard = await cas.save(dagCbor.encode(shardValue), 'dag-cbor')
      const root = await rootOf(
        cas,
        v2({
          a: {
            array_shape: [2],
            chunk_shape: [1],
            sharding_config: { chunks_per_shard: 2, order: 'C' },
            shard_cids: [shard],
          },
        }),
      )
      const store = await ShardedZarrStore.open(cas, root)
      const error = await store.get('a/c/1').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ShardedZarrError)
      expect(error).toMatchObject({ code: 'ERR_SHARD_FORMAT', cid: shard })
      expect((error as Error).message).toMatch(message)
    }
  })

  test('a chunk key outside the grid, on read and on write, and nothing is written', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
    await zarr.create(store)
    await zarr.create(zarr.root(store).resolve('g/v'), { shape: [3], chunkShape: [1], dtype: 'int8' })
    await expect(store.set('g/v/c/3', Uint8Array.of(1))).rejects.toMatchObject({
      code: 'ERR_CHUNK_OUT_OF_GRID',
      key: 'g/v/c/3',
    })
    await expect(store.get('g/v/c/0/0')).rejects.toThrow(ShardedZarrError)
    expect(await collect(store.listPrefix('g/v/c'))).toEqual([])
    await expect(
      store.set(
        'g/v/zarr.json',
        new TextEncoder().encode(JSON.stringify({ shape: [3], chunk_grid: { configuration: { chunk_shape: [2] } } })),
      ),
    ).rejects.toThrow(/cannot change chunk_shape/)
  })

  test('bad options and values', async () => {
    const cas = new InMemoryCAS()
    expect(() => ShardedZarrStore.create(cas, { chunksPerShard: 0 })).toThrow(InvalidOptionError)
    expect(() => ShardedZarrStore.create(cas, { concurrency: 0 })).toThrow(InvalidOptionError)
    expect(() => ShardedZarrStore.create(null as never)).toThrow(InvalidOptionError)
    await expect(ShardedZarrStore.create(cas).set('k', 'text' as never)).rejects.toThrow(/Uint8Array/)
  })
})

describe('commit', () => {
  test('a store failing mid-commit keeps its last root; committing again completes with the same root', async () => {
    const write = async (cas: FaultyCAS | InMemoryCAS) => {
      const store = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
      await zarr.create(store)
      const arr = await zarr.create(zarr.root(store).resolve('g/v'), { shape: [6], chunkShape: [1], dtype: 'int8' })
      await zarr.set(arr, null, { data: Int8Array.from([1, 2, 3, 4, 5, 6]), shape: [6], stride: [1] })
      return store
    }
    const expected = await (await write(new InMemoryCAS())).commit()
    const cas = new FaultyCAS()
    const store = await write(cas)
    cas.savesBeforeFailure = 1 // the first shard saves, the second fails
    await expect(store.commit()).rejects.toThrow(/injected failure/)
    expect(store.rootCid).toBeUndefined()
    expect(store.readOnly).toBe(false)
    cas.savesBeforeFailure = Number.POSITIVE_INFINITY
    expect((await store.commit()).toString()).toBe(expected.toString())
  })
})
