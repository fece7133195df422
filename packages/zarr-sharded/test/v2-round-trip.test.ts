import { InMemoryCAS } from '@hamt/cas-memory'
import { CID, ReadOnlyError } from '@hamt/core'
import { DecryptionError, encryptionTransform } from '@hamt/zarr-encrypted'
import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { SHARDED_ZARR_V2, ShardedZarrStore, writeConsolidatedMetadata } from '../src/index.js'
import { casFromVector, collect } from './helpers.js'

const utf8 = new TextDecoder()

async function writeDataset(store: ShardedZarrStore): Promise<void> {
  await zarr.create(store, { attributes: { title: 'demo' } })
  const temp = await zarr.create(zarr.root(store).resolve('0/temp'), {
    shape: [6, 4, 5],
    chunkShape: [2, 2, 5],
    dtype: 'float32',
    fillValue: -1,
  })
  await zarr.set(temp, null, ramp(120))
  const coarse = await zarr.create(zarr.root(store).resolve('1/temp'), {
    shape: [6, 2],
    chunkShape: [3, 1],
    dtype: 'int32',
  })
  await zarr.set(coarse, null, {
    data: Int32Array.from({ length: 12 }, (_, i) => i * 10),
    shape: [6, 2],
    stride: [2, 1],
  })
  const time = await zarr.create(zarr.root(store).resolve('0/time'), { shape: [6], chunkShape: [6], dtype: 'int32' })
  await zarr.set(time, null, { data: Int32Array.from([0, 1, 2, 3, 4, 5]), shape: [6], stride: [1] })
}

function ramp(n: number) {
  return { data: Float32Array.from({ length: n }, (_, i) => i), shape: [6, 4, 5], stride: [20, 5, 1] }
}

describe('sharded_zarr_v2', () => {
  test('several variables, different chunk grids and nested groups round-trip through zarrita', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 4 })
    await writeDataset(store)
    const root = await store.commit()
    expect(store.readOnly).toBe(true)

    const reader = await ShardedZarrStore.open(cas, root)
    expect(reader.manifestVersion).toBe(SHARDED_ZARR_V2)
    expect(reader.arrayPaths.sort()).toEqual(['0/temp', '0/time', '1/temp'])
    const temp = await zarr.open(zarr.root(reader).resolve('0/temp'), { kind: 'array' })
    expect(Array.from((await zarr.get(temp)).data as Float32Array)).toEqual(Array.from({ length: 120 }, (_, i) => i))
    expect(Array.from((await zarr.get(temp, [null, 3, 4])).data as Float32Array)).toEqual([19, 39, 59, 79, 99, 119])
    const coarse = await zarr.open(zarr.root(reader).resolve('1/temp'), { kind: 'array' })
    expect(Array.from((await zarr.get(coarse)).data as Int32Array)).toEqual(
      Array.from({ length: 12 }, (_, i) => i * 10),
    )
    const time = await zarr.open(zarr.root(reader).resolve('0/time'), { kind: 'array' })
    expect(Array.from((await zarr.get(time)).data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5])
    expect(await collect(reader.listDir(''))).toEqual(['0', '1', 'zarr.json'])
    expect(await collect(reader.listDir('0/temp/c'))).toEqual(['0', '1', '2'])
  })

  test('the root has py-hamt field names and values; implicit groups are the bytes py-hamt writes', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 4 })
    await writeDataset(store)
    const root = await store.commit()
    const decoded = dagCbor.decode(await cas.load(root)) as Record<string, unknown>
    expect(Object.keys(decoded).sort()).toEqual([
      'arrays',
      'manifest_version',
      'metadata',
      'sharding_config',
      'store_type',
      'zarr_format',
    ])
    expect(decoded.manifest_version).toBe('sharded_zarr_v2')
    expect(decoded.store_type).toBe('py_hamt.sharded_zarr')
    expect(decoded.zarr_format).toBe(3)
    expect(decoded.sharding_config).toEqual({ chunks_per_shard: 4, order: 'C' })
    const arrays = decoded.arrays as Record<string, Record<string, unknown>>
    expect(arrays['0/temp']).toMatchObject({
      array_shape: [6, 4, 5],
      chunk_shape: [2, 2, 5],
      sharding_config: { chunks_per_shard: 4, order: 'C' },
    })
    // 3 x 2 x 1 = 6 chunks in shards of 4: two shards.
    const tempShards = (arrays['0/temp'] as { shard_cids: CID[] }).shard_cids
    expect(tempShards).toHaveLength(2)
    const metadata = decoded.metadata as Record<string, CID>
    expect(Object.keys(metadata).sort()).toEqual([
      '0/temp/zarr.json',
      '0/time/zarr.json',
      '0/zarr.json',
      '1/temp/zarr.json',
      '1/zarr.json',
      'zarr.json',
    ])
    expect(utf8.decode(await cas.load(metadata['0/zarr.json'] as CID))).toBe(
      '{"zarr_format": 3, "node_type": "group", "attributes": {}}',
    )
    // Shards are canonical DAG-CBOR lists of CIDs and nulls, of chunks_per_shard entries.
    const shard = dagCbor.decode(await cas.load(tempShards[1] as CID)) as unknown[]
    expect(shard).toHaveLength(4)
    expect(shard.slice(0, 2).every((e) => CID.asCID(e) !== null)).toBe(true)
    expect(shard.slice(2)).toEqual([null, null])
  })

  test('the same dataset written the same way gives the same root CID, whatever the write order', async () => {
    const roots: string[] = []
    for (const reverse of [false, true]) {
      const cas = new InMemoryCAS()
      const store = ShardedZarrStore.create(cas, { chunksPerShard: 3 })
      await zarr.create(store)
      const arr = await zarr.create(zarr.root(store).resolve('g/a'), { shape: [8], chunkShape: [1], dtype: 'uint8' })
      const order = Array.from({ length: 8 }, (_, i) => i)
      if (reverse) order.reverse()
      for (const i of order)
        await zarr.set(arr, [zarr.slice(i, i + 1)], { data: Uint8Array.of(i), shape: [1], stride: [1] })
      roots.push((await store.commit()).toString())
    }
    expect(roots[0]).toBe(roots[1])
  })

  test('py-hamt DAG-CBOR is ours byte for byte: the v1 vector root and shard re-encode to their CIDs', async () => {
    const { cas, root } = await casFromVector('pyhamt-sharded-v1-single-var.json')
    const bytes = await cas.load(root)
    const decoded = dagCbor.decode(bytes) as { chunks: { shard_cids: CID[] } }
    expect(dagCbor.encode(decoded)).toEqual(bytes)
    const shardCid = decoded.chunks.shard_cids[0] as CID
    const shardBytes = await cas.load(shardCid)
    expect(dagCbor.encode(dagCbor.decode(shardBytes))).toEqual(shardBytes)
  })

  test('appending along time extends the index without rewriting untouched shards', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 4 })
    await zarr.create(store)
    const make = (t: number) =>
      zarr.create(zarr.root(store).resolve('g/temp'), {
        shape: [t, 2],
        chunkShape: [1, 2],
        dtype: 'float64',
        fillValue: Number.NaN,
      })
    let arr = await make(4)
    await zarr.set(arr, null, { data: Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]), shape: [4, 2], stride: [2, 1] })
    const first = await store.commit({ keepWritable: true })
    const before = (dagCbor.decode(await cas.load(first)) as { arrays: Record<string, { shard_cids: CID[] }> }).arrays[
      'g/temp'
    ]
    arr = await make(10)
    await zarr.set(arr, [zarr.slice(4, 10), null], {
      data: Float64Array.from({ length: 12 }, (_, i) => 8 + i),
      shape: [6, 2],
      stride: [2, 1],
    })
    const second = await store.commit()
    const after = (
      dagCbor.decode(await cas.load(second)) as { arrays: Record<string, { shard_cids: CID[]; array_shape: number[] }> }
    ).arrays['g/temp']
    expect(after?.array_shape).toEqual([10, 2])
    expect(after?.shard_cids).toHaveLength(3)
    expect(after?.shard_cids[0]?.equals(before?.shard_cids[0])).toBe(true)
    const reader = await ShardedZarrStore.open(cas, second)
    const read = await zarr.open(zarr.root(reader).resolve('g/temp'), { kind: 'array' })
    expect(Array.from((await zarr.get(read)).data as Float64Array)).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  test('a resize that moves chunks (second dimension) keeps every value at its coordinates', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 3 })
    await zarr.create(store)
    let arr = await zarr.create(zarr.root(store).resolve('g/a'), {
      shape: [2, 2],
      chunkShape: [1, 1],
      dtype: 'int32',
      fillValue: 0,
    })
    await zarr.set(arr, null, { data: Int32Array.from([1, 2, 3, 4]), shape: [2, 2], stride: [2, 1] })
    arr = await zarr.create(zarr.root(store).resolve('g/a'), {
      shape: [2, 3],
      chunkShape: [1, 1],
      dtype: 'int32',
      fillValue: 0,
    })
    expect(Array.from((await zarr.get(arr)).data as Int32Array)).toEqual([1, 2, 0, 3, 4, 0])
    arr = await zarr.create(zarr.root(store).resolve('g/a'), {
      shape: [1, 1],
      chunkShape: [1, 1],
      dtype: 'int32',
      fillValue: 0,
    })
    const root = await store.commit()
    const reader = await ShardedZarrStore.open(cas, root)
    const read = await zarr.open(zarr.root(reader).resolve('g/a'), { kind: 'array' })
    expect(Array.from((await zarr.get(read)).data as Int32Array)).toEqual([1])
    expect(await collect(reader.listPrefix('g/a/c'))).toEqual(['g/a/c/0/0'])
  })

  test('deletes: a deleted chunk reads as the fill value and is no longer listed', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
    await zarr.create(store)
    const arr = await zarr.create(zarr.root(store).resolve('g/a'), {
      shape: [4],
      chunkShape: [1],
      dtype: 'int16',
      fillValue: -9,
    })
    await zarr.set(arr, null, { data: Int16Array.from([1, 2, 3, 4]), shape: [4], stride: [1] })
    expect(await store.delete('/g/a/c/2')).toBe(true)
    expect(await store.delete('/g/a/c/2')).toBe(false)
    expect(await store.delete('g/a/zarr.json')).toBe(true)
    expect(await store.delete('g/a/zarr.json')).toBe(false)
    expect(await store.has('g/a/zarr.json')).toBe(false)
    // The array's shard index stays: its chunks are still there.
    expect(await store.get('g/a/c/1')).toBeDefined()
    const root = await store.commit()
    const reader = await ShardedZarrStore.open(cas, root)
    expect(await reader.get('g/a/c/2')).toBeUndefined()
    expect(await reader.get('g/a/c/3')).toBeDefined()
    expect(await collect(reader.listPrefix('g/a/c/'))).toEqual(['g/a/c/0', 'g/a/c/1', 'g/a/c/3'])
  })

  test('a read-only store refuses writes with ReadOnlyError', async () => {
    const cas = new InMemoryCAS()
    const store = ShardedZarrStore.create(cas)
    await zarr.create(store)
    const root = await store.commit()
    await expect(store.set('zarr.json', new Uint8Array(2))).rejects.toThrow(ReadOnlyError)
    await expect(store.setPointer('a', root)).rejects.toThrow(ReadOnlyError)
    const writable = await ShardedZarrStore.open(cas, root, { writable: true })
    await writable.set('note', new Uint8Array([1]))
    expect(await writable.get('note')).toEqual(new Uint8Array([1]))
  })

  test('encryption: encryptionTransform works on the sharded store; a wrong key fails with DecryptionError', async () => {
    const cas = new InMemoryCAS()
    const key = new Uint8Array(32).fill(7)
    const transform = encryptionTransform({ encryptionKey: key, header: 'sharded' })
    const store = ShardedZarrStore.create(cas, { chunksPerShard: 4, transform })
    await writeDataset(store)
    const root = await store.commit()
    const reader = await ShardedZarrStore.open(cas, root, { transform })
    const temp = await zarr.open(zarr.root(reader).resolve('0/temp'), { kind: 'array' })
    expect(Array.from((await zarr.get(temp)).data as Float32Array)).toEqual(Array.from({ length: 120 }, (_, i) => i))
    const rootMeta = (dagCbor.decode(await cas.load(root)) as { metadata: Record<string, CID> }).metadata
    expect(utf8.decode(await cas.load(rootMeta['zarr.json'] as CID))).not.toContain('zarr_format')
    const plain = await ShardedZarrStore.open(cas, root)
    await expect(plain.get('zarr.json')).rejects.toThrow(/encryptionTransform/)
    const wrong = await ShardedZarrStore.open(cas, root, {
      transform: encryptionTransform({ encryptionKey: new Uint8Array(32), header: 'sharded' }),
    })
    await expect(wrong.get('0/temp/c/0/0/0')).rejects.toThrow(DecryptionError)
  })
})

test('consolidated metadata written on the sharded store opens the dataset with one metadata lookup', async () => {
  const cas = new InMemoryCAS()
  const store = ShardedZarrStore.create(cas, { chunksPerShard: 4 })
  await zarr.create(store)
  const arr = await zarr.create(zarr.root(store).resolve('temp'), { shape: [4], chunkShape: [2], dtype: 'float32' })
  await zarr.set(arr, null, 2.5)
  await writeConsolidatedMetadata(store)
  const reader = await ShardedZarrStore.open(cas, await store.commit())
  const consolidated = await zarr.withConsolidatedMetadata(reader, { format: 'v3' })
  const temp = await zarr.open.v3(zarr.root(consolidated).resolve('temp'), { kind: 'array' })
  expect(Array.from((await zarr.get(temp)).data as Float32Array)).toEqual([2.5, 2.5, 2.5, 2.5])
})

test('a pyramid (every array in a group) stores its root group without consolidated metadata, as py-hamt does', async () => {
  const cas = new InMemoryCAS()
  const store = ShardedZarrStore.create(cas, { chunksPerShard: 4 })
  await zarr.create(store, { attributes: { title: 'pyramid', scale: 0.5, levels: 2, note: 'h\u00e9' } })
  await zarr.create(zarr.root(store).resolve('0/temp'), { shape: [2], chunkShape: [1], dtype: 'float32' })
  await zarr.create(zarr.root(store).resolve('1/temp'), { shape: [1], chunkShape: [1], dtype: 'float32' })
  await writeConsolidatedMetadata(store)
  expect(utf8.decode(await store.get('zarr.json'))).toBe(
    '{"zarr_format": 3, "node_type": "group", "attributes": {"title": "pyramid", "scale": 0.5, "levels": 2, "note": "h\\u00e9"}}',
  )
  const root = await store.commit()
  const decoded = dagCbor.decode(await cas.load(root)) as { metadata: Record<string, CID> }
  expect(utf8.decode(await cas.load(decoded.metadata['zarr.json'] as CID))).not.toContain('consolidated_metadata')
})
