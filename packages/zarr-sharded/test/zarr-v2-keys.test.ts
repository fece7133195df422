import { InMemoryCAS } from '@hamt/cas-memory'
import type { CID } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { ShardedZarrStore } from '../src/index.js'

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

test('Zarr v2 metadata (.zarray) registers a shard index; dotted and slashed chunk keys land in it', async () => {
  const cas = new InMemoryCAS()
  const store = ShardedZarrStore.create(cas, { chunksPerShard: 2 })
  await store.set('g/dots/.zarray', json({ zarr_format: 2, shape: [2, 4], chunks: [1, 2], dtype: '<f8' }))
  await store.set('slashes/.zarray', json({ zarr_format: 2, shape: [3], chunks: [1], dtype: '<f8' }))
  await store.set('g/dots/1.1', Uint8Array.of(11))
  await store.set('slashes/2', Uint8Array.of(2))
  await expect(store.set('g/dots/2.0', Uint8Array.of(0))).rejects.toMatchObject({ code: 'ERR_CHUNK_OUT_OF_GRID' })
  const root = await store.commit()
  const decoded = dagCbor.decode(await cas.load(root)) as {
    metadata: Record<string, CID>
    arrays: Record<string, { shard_cids: (CID | null)[] }>
  }
  expect(Object.keys(decoded.arrays).sort()).toEqual(['g/dots', 'slashes'])
  expect(decoded.arrays['g/dots']?.shard_cids.map((c) => c !== null)).toEqual([false, true])
  expect(Object.keys(decoded.metadata).sort()).toEqual(['.zgroup', 'g/.zgroup', 'g/dots/.zarray', 'slashes/.zarray'])
  expect(new TextDecoder().decode(await cas.load(decoded.metadata['g/.zgroup'] as CID))).toBe('{"zarr_format": 2}')
  const reader = await ShardedZarrStore.open(cas, root)
  expect(await reader.get('g/dots/1.1')).toEqual(Uint8Array.of(11))
  expect(await reader.get('slashes/2')).toEqual(Uint8Array.of(2))
  expect(await reader.get('g/dots/0.0')).toBeUndefined()
})

test('chunk writes racing a resize that moves chunks are neither lost nor misplaced', async () => {
  const cas = new InMemoryCAS()
  const store = ShardedZarrStore.create(cas, { chunksPerShard: 3 })
  await zarr.create(store)
  const create = (cols: number) =>
    zarr.create(zarr.root(store).resolve('g/a'), { shape: [4, cols], chunkShape: [1, 1], dtype: 'int32', fillValue: 0 })
  const arr = await create(2)
  const writes = Array.from({ length: 8 }, (_, i) => zarr.set(arr, [Math.floor(i / 2), i % 2], i + 1))
  await Promise.all([...writes.slice(0, 4), create(3), ...writes.slice(4)])
  const wide = await zarr.open(zarr.root(store).resolve('g/a'), { kind: 'array' })
  expect(wide.shape).toEqual([4, 3])
  expect(Array.from((await zarr.get(wide)).data as Int32Array)).toEqual([1, 2, 0, 3, 4, 0, 5, 6, 0, 7, 8, 0])
})
