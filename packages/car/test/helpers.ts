import { InMemoryCAS } from '@hamt/cas-memory'
import {
  BlockNotFoundError,
  type ByteRange,
  blake3Hasher,
  type CallOptions,
  type CID,
  type Codec,
  type ContentAddressedStore,
  HAMT,
  sliceRange,
} from '@hamt/core'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { CID as MfCID } from 'multiformats/cid'
import * as zarr from 'zarrita'
/** All of an async iterable. */
import { collect, concatBytes } from '../../../tools/test-support/collect.js'
import type { BlockPutter } from '../src/index.js'

export { collect }

/** The chunks of a byte stream, joined. */
export const concat = concatBytes

/** A HAMT of `count` keys with small DAG-CBOR values. */
export async function hamtDataset(cas: ContentAddressedStore, count: number): Promise<CID> {
  const hamt = await HAMT.fromEntries(
    Array.from({ length: count }, (_, i) => [`key-${i}`, { n: i, label: `value ${i}` }] as const),
    { cas },
  )
  return hamt.rootNodeId
}

/** A sharded (sharded_zarr_v2) Zarr dataset: an 8×8 int32 array in 1×1 chunks, 16 chunks per shard. */
export async function shardedDataset(cas: ContentAddressedStore): Promise<CID> {
  const store = ShardedZarrStore.create(cas, { chunksPerShard: 16 })
  await zarr.create(store)
  const arr = await zarr.create(zarr.root(store).resolve('v'), {
    shape: [8, 8],
    chunkShape: [1, 1],
    dtype: 'int32',
    fillValue: -1,
  })
  await zarr.set(arr, null, { data: Int32Array.from({ length: 64 }, (_, i) => i), shape: [8, 8], stride: [8, 1] })
  return store.commit()
}

/**
 * A UnixFS file as Kubo's `add` makes it with `--hash=blake3 --raw-leaves --cid-version=1`: raw leaves
 * of `chunk` bytes under one dag-pb node, all BLAKE3. Saved through `save` (stores key by multihash).
 */
export async function blake3UnixfsFile(cas: ContentAddressedStore, bytes: Uint8Array, chunk: number): Promise<CID> {
  const file = new UnixFS({ type: 'file' })
  const links: dagPb.PBLink[] = []
  for (let at = 0; at < bytes.length; at += chunk) {
    const leaf = bytes.subarray(at, at + chunk)
    const cid = await cas.save(leaf, 'raw')
    file.addBlockSize(BigInt(leaf.length))
    links.push({ Hash: cid, Tsize: leaf.length })
  }
  const node = dagPb.encode(dagPb.prepare({ Data: file.marshal(), Links: links }))
  const saved = await cas.save(node, 'raw')
  return MfCID.createV1(dagPb.code, saved.multihash)
}

/** A DAG-CBOR block linking to `links`, saved in `cas`. */
export async function linkBlock(cas: ContentAddressedStore, value: unknown): Promise<CID> {
  return cas.save(dagCbor.encode(value), 'dag-cbor')
}

/**
 * A store over an interface-blockstore (blockstore-core's MemoryBlockstore) that can hold a block under
 * any CID: what importCar needs for SHA2-256 blocks. `save` gives BLAKE3 CIDs, as every store here.
 */
export class BlockstoreTestCAS implements ContentAddressedStore, BlockPutter {
  readonly blockstore = new MemoryBlockstore()
  readonly puts: CID[] = []

  async save(data: Uint8Array, codec: Codec): Promise<CID> {
    const digest = await blake3Hasher.digest(data)
    const cid = MfCID.createV1(codec === 'raw' ? 0x55 : 0x71, digest)
    await this.blockstore.put(cid, data)
    return cid
  }

  async load(id: CID, range?: ByteRange): Promise<Uint8Array> {
    const parts: Uint8Array[] = []
    for await (const part of this.blockstore.get(id)) parts.push(part)
    const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts)
    return sliceRange(bytes, range)
  }

  async putBlock(cid: CID, bytes: Uint8Array): Promise<void> {
    this.puts.push(cid)
    await this.blockstore.put(cid, bytes)
  }
}

/**
 * FakeFaultyCAS: an InMemoryCAS that can hold a block's bytes altered or missing, and counts loads
 * (to inject faults and measure what a walk holds).
 */
export class FakeFaultyCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  /** Multihashes (see {@link keyOf}) whose bytes are served altered. */
  readonly altered = new Set<string>()
  readonly missing = new Set<string>()
  loadsStarted = 0

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.loadsStarted++
    const key = keyOf(id)
    if (this.missing.has(key)) throw new BlockNotFoundError(id, 'FakeFaultyCAS')
    const bytes = await this.inner.load(id, range, options)
    if (!this.altered.has(key)) return bytes
    const copy = bytes.slice()
    copy[0] = (copy[0] as number) ^ 0xff
    return copy
  }
}

/** A block's key in FakeFaultyCAS's sets. */
export function keyOf(cid: CID): string {
  return cid.multihash.bytes.join(',')
}
