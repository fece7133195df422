import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { type ConsolidatableStore, writeConsolidatedMetadata } from '@hamt/zarr'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import * as zarr from 'zarrita'
import { keyChain } from './hamt-chain.js'

/** The grid of the benchmark's array `temp`. */
export interface Grid {
  shape: [number, number, number]
  chunks: [number, number, number]
}

/** The issue's dataset: 10 years of days on a 2.5° grid, 5,840 chunks of 25,920 bytes. */
export const ISSUE_GRID: Grid = { shape: [3650, 72, 144], chunks: [10, 18, 36] }

/** How the benchmark's datasets are written. */
export interface DatasetOptions {
  /**
   * The root group's `zarr.json` carries every node's metadata (`consolidated_metadata`, inline), as
   * xarray writes it and so as py-hamt datasets have it. Default `true`.
   */
  consolidated?: boolean
}

/** One dataset in three layouts, sharing the same chunk bytes. */
export interface Dataset {
  grid: Grid
  /** Whether the root `zarr.json` holds the consolidated metadata (the same bytes in all three layouts). */
  consolidated: boolean
  /** Holds every block of both layouts (chunk blocks are the same CIDs in both). */
  cas: InMemoryCAS
  /** Root of the HAMT layout (`ZarrHAMTStore`). */
  hamtRoot: CID
  /** Root of the sharded layout (`ShardedZarrStore`, v2). */
  shardedRoot: CID
  /** The plain Zarr v3 files, by path (`zarr.json`, `temp/zarr.json`, `temp/c/0/0/0`, ...). */
  files: Map<string, Uint8Array>
}

/** A zarrita store on a `Map`: where zarrita writes the metadata the three layouts share, and consolidation reads it. */
class MapStore implements ConsolidatableStore {
  readonly map = new Map<string, Uint8Array>()
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.map.get(key.replace(/^\//, ''))
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key.replace(/^\//, ''), value)
  }
  async *list(): AsyncIterable<string> {
    yield* this.map.keys()
  }
}

/** The value at `(t, y, x)`: recognisable, so a read can be checked. */
export function valueAt(t: number, y: number, x: number): number {
  return t + y / 100 + x / 100_000
}

/** Every chunk key of `grid` with its bytes (float32, little-endian, no compression), in C order. */
export function* chunkEntries(grid: Grid): Generator<[string, Uint8Array]> {
  const [nt, ny, nx] = grid.shape
  const [ct, cy, cx] = grid.chunks
  for (let i = 0; i < Math.ceil(nt / ct); i++) {
    for (let j = 0; j < Math.ceil(ny / cy); j++) {
      for (let k = 0; k < Math.ceil(nx / cx); k++) {
        const values = new Float32Array(ct * cy * cx)
        let at = 0
        for (let t = 0; t < ct; t++) {
          for (let y = 0; y < cy; y++) {
            for (let x = 0; x < cx; x++) values[at++] = valueAt(i * ct + t, j * cy + y, k * cx + x)
          }
        }
        yield [`temp/c/${i}/${j}/${k}`, new Uint8Array(values.buffer)]
      }
    }
  }
}

/**
 * The metadata files (`zarr.json` of the root group and of `temp`), as zarrita writes them, the root's
 * consolidated unless `consolidated: false`. Every layout is built from these bytes: consolidating
 * once here gives the three the same root `zarr.json`.
 */
export async function metadataFiles(grid: Grid, options: DatasetOptions = {}): Promise<Map<string, Uint8Array>> {
  const store = new MapStore()
  await zarr.create(store)
  await zarr.create(zarr.root(store).resolve('temp'), {
    shape: grid.shape,
    chunkShape: grid.chunks,
    dtype: 'float32',
    dimensionNames: ['time', 'latitude', 'longitude'],
  })
  if (options.consolidated ?? true) await writeConsolidatedMetadata(store)
  return store.map
}

/**
 * Builds the dataset: plain files, a HAMT (`HAMT.fromEntries`, as py-hamt's layout) and a sharded
 * store (py-hamt's `ShardedZarrStore` v2, one shard for the whole array at the default 6,250 chunks
 * per shard), all in memory.
 */
export async function buildDataset(grid: Grid = ISSUE_GRID, options: DatasetOptions = {}): Promise<Dataset> {
  const consolidated = options.consolidated ?? true
  const files = await metadataFiles(grid, { consolidated })
  for (const [key, bytes] of chunkEntries(grid)) files.set(key, bytes)
  const cas = new InMemoryCAS()
  const hamt = await HAMT.fromEntries<Uint8Array>(files, { cas, valuesAreBytes: true })
  const sharded = ShardedZarrStore.create(cas)
  for (const [key, bytes] of files) if (key.endsWith('zarr.json')) await sharded.set(key, bytes)
  const pending: Promise<void>[] = []
  for (const [key, bytes] of files) {
    if (key.endsWith('zarr.json')) continue
    pending.push(sharded.set(key, bytes))
    if (pending.length >= 64) await Promise.all(pending.splice(0))
  }
  await Promise.all(pending)
  return { grid, consolidated, cas, hamtRoot: hamt.rootNodeId, shardedRoot: await sharded.commit(), files }
}

/**
 * A HAMT of `count` chunk keys of a 1-D array (`big/c/{i}`) plus its metadata (the root's consolidated
 * unless `consolidated: false`), every chunk holding the same 4-byte value: a huge dataset's tree
 * without its bytes, to time a cold open.
 */
export async function buildBigHamt(
  count: number,
  options: DatasetOptions = {},
): Promise<{ cas: InMemoryCAS; root: CID }> {
  const meta = new MapStore()
  await zarr.create(meta)
  await zarr.create(zarr.root(meta).resolve('big'), { shape: [count], chunkShape: [1], dtype: 'float32' })
  if (options.consolidated ?? true) await writeConsolidatedMetadata(meta)
  const value = new Uint8Array(new Float32Array([1.5]).buffer)
  function* entries(): Generator<[string, Uint8Array]> {
    yield* meta.map
    for (let i = 0; i < count; i++) yield [`big/c/${i}`, value]
  }
  const cas = new InMemoryCAS()
  const hamt = await HAMT.fromEntries<Uint8Array>(entries(), { cas, valuesAreBytes: true })
  return { cas, root: hamt.rootNodeId }
}

/** HAMT nodes on `key`'s path from `root`, root included. */
export async function pathDepth(cas: InMemoryCAS, root: CID, key: string): Promise<number> {
  return (await keyChain((cid) => cas.load(cid), root, key)).length
}
