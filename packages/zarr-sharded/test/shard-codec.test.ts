import { InMemoryCAS } from '@hamt/cas-memory'
import type { CID } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { expect, test } from 'vitest'
import { ShardedZarrStore } from '../src/index.js'
import { decodeShard, decodeShardEntry, encodeShard, indexShardEntries, readShardHeader } from '../src/shard-codec.js'

test('entries read by scanning and by offsets agree with a full DAG-CBOR decode, for every list-length encoding', async () => {
  const cas = new InMemoryCAS()
  const cids: CID[] = []
  for (let i = 0; i < 4; i++) cids.push(await cas.save(Uint8Array.of(i), 'raw'))
  for (const length of [1, 23, 24, 255, 256, 6250, 70_000]) {
    const entries = Array.from({ length }, (_, i) => (i % 3 === 0 ? null : (cids[i % 4] as CID)))
    const bytes = encodeShard(entries)
    expect(readShardHeader(bytes).count).toBe(length)
    for (const i of new Set([0, Math.min(1, length - 1), length - 1]))
      expect(decodeShardEntry(bytes, i)?.toString()).toBe(entries[i]?.toString())
    if (length <= 6250)
      expect(decodeShard(bytes).map((c) => c?.toString() ?? null)).toEqual(entries.map((c) => c?.toString() ?? null))
    expect(indexShardEntries(bytes)).toHaveLength(length + 1)
  }
})

test('malformed shards are refused with a reason', async () => {
  const cid = await new InMemoryCAS().save(Uint8Array.of(1), 'raw')
  const good = encodeShard([cid, null])
  expect(() => decodeShardEntry(good, 2)).toThrow(/entry 2 of a 2-entry shard/)
  expect(() => readShardHeader(new Uint8Array())).toThrow(/not a DAG-CBOR list/)
  expect(() => readShardHeader(Uint8Array.of(0x9f))).toThrow(/indefinite/)
  expect(() => readShardHeader(Uint8Array.of(0x99, 0x01))).toThrow(/truncated/)
  expect(() => indexShardEntries(good.subarray(0, good.length - 2))).toThrow(/truncated/)
  expect(() => indexShardEntries(Uint8Array.of(...good, 0xf6))).toThrow(/bytes after the list/)
  const noPrefix = Uint8Array.from(good)
  noPrefix[good.indexOf(0x2a) + 3] = 0x01
  expect(() => decodeShardEntry(noPrefix, 0)).toThrow(/0x00 prefix/)
  expect(() => decodeShardEntry(dagCbor.encode([dagCbor.encode('x')]), 0)).toThrow(/neither a CID nor null/)
  const tagged = Uint8Array.of(0x81, 0xd8, 0x2a, 0x01)
  expect(() => decodeShardEntry(tagged, 0)).toThrow(/malformed CID/)
})

test('v1 and v2 roots with malformed fields are typed errors', async () => {
  const cas = new InMemoryCAS()
  const shapes: unknown[] = [
    { manifest_version: 'sharded_zarr_v1', metadata: {} },
    {
      manifest_version: 'sharded_zarr_v1',
      metadata: {},
      chunks: { array_shape: [2], chunk_shape: [1], sharding_config: { chunks_per_shard: 2 }, shard_cids: 'x' },
    },
    { manifest_version: 'sharded_zarr_v2', metadata: {}, arrays: { a: 5 } },
    {
      manifest_version: 'sharded_zarr_v2',
      metadata: {},
      arrays: { a: { array_shape: [2], chunk_shape: [1], sharding_config: 3, shard_cids: [null] } },
    },
    {
      manifest_version: 'sharded_zarr_v2',
      metadata: {},
      arrays: {
        a: {
          array_shape: [2],
          chunk_shape: [1],
          sharding_config: { chunks_per_shard: 2, order: 'F' },
          shard_cids: [null],
        },
      },
    },
    {
      manifest_version: 'sharded_zarr_v2',
      metadata: {},
      arrays: {
        a: { array_shape: [2], chunk_shape: [0], sharding_config: { chunks_per_shard: 2 }, shard_cids: [null] },
      },
    },
    {
      manifest_version: 'sharded_zarr_v2',
      metadata: {},
      arrays: {
        a: { array_shape: [2], chunk_shape: [1], sharding_config: { chunks_per_shard: 0 }, shard_cids: [null] },
      },
    },
    {
      manifest_version: 'sharded_zarr_v2',
      metadata: {},
      arrays: {
        a: { array_shape: [2, 2], chunk_shape: [1], sharding_config: { chunks_per_shard: 2 }, shard_cids: [null] },
      },
    },
    {
      manifest_version: 'sharded_zarr_v2',
      metadata: {},
      arrays: { a: { array_shape: [2], chunk_shape: [1], sharding_config: { chunks_per_shard: 2 }, shard_cids: [5] } },
    },
  ]
  for (const shape of shapes) {
    const root = await cas.save(dagCbor.encode(shape), 'dag-cbor')
    await expect(ShardedZarrStore.open(cas, root)).rejects.toMatchObject({ name: 'ShardedZarrError', cid: root })
  }
})
