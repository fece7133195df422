import { ShardedZarrError } from './errors.js'
import type { ArrayIndex } from './geometry.js'
import { type Manifest, SHARDED_ZARR_V1, trimSlashes } from './manifest.js'

/** A chunk key resolved to its array's shard index. */
export interface ChunkRef {
  /**
   * The array's shard index (grid, chunks per shard). Its class is internal to this package, so the
   * API reference leaves this member out.
   *
   * @internal
   */
  array: ArrayIndex
  /** Row-major linear index of the chunk in its array's grid. */
  linear: number
}

const METADATA_SUFFIXES = ['zarr.json', '.zarray', '.zattrs', '.zgroup']
/** v1 keeps these arrays' chunks in `metadata`, whatever the root says (py-hamt's rule). */
const V1_COORDINATE_ARRAYS = new Set(['time', 'lat', 'lon', 'latitude', 'longitude', 'forecast_reference_time', 'step'])
const DECIMAL = /^\d+$/

/**
 * Where the value of `key` lives: a shard entry (`ChunkRef`), or `undefined` for a plain entry of the
 * root's `metadata` (Zarr metadata, and chunks of arrays with no shard index), as py-hamt decides.
 *
 * @throws {ShardedZarrError} `ERR_CHUNK_OUT_OF_GRID` for a chunk key outside its array's grid.
 */
export function resolveChunk(manifest: Manifest, key: string): ChunkRef | undefined {
  if (METADATA_SUFFIXES.some((suffix) => key.endsWith(suffix))) return undefined
  const marker = key.lastIndexOf('/c/')
  let path: string
  let coordPart: string
  if (marker !== -1) {
    path = trimSlashes(key.slice(0, marker))
    coordPart = key.slice(marker + 3)
  } else if (key.startsWith('c/') && manifest.version !== SHARDED_ZARR_V1) {
    path = ''
    coordPart = key.slice(2)
  } else return manifest.version === SHARDED_ZARR_V1 ? undefined : resolveZarrV2Chunk(manifest, key)
  const parts = coordPart.split('/')
  if (!parts.every((part) => DECIMAL.test(part))) return undefined
  let array: ArrayIndex | undefined
  if (manifest.version === SHARDED_ZARR_V1) {
    const name = path.slice(path.lastIndexOf('/') + 1)
    if (V1_COORDINATE_ARRAYS.has(name)) return undefined
    if (manifest.primaryArrayPath !== undefined && path !== manifest.primaryArrayPath) return undefined
    array = manifest.arrays.get('')
  } else array = manifest.arrays.get(path)
  if (array === undefined) return undefined
  return locate(array, parts, key)
}

/** Zarr v2 chunk keys of a registered array: `temp/0.1` (dot separator) or `temp/0/1` (slash). */
function resolveZarrV2Chunk(manifest: Manifest, key: string): ChunkRef | undefined {
  const slash = key.lastIndexOf('/')
  const last = key.slice(slash + 1)
  if (last.includes('.')) {
    const array = manifest.arrays.get(slash === -1 ? '' : key.slice(0, slash))
    const parts = last.split('.')
    if (array === undefined || parts.length !== array.chunkShape.length || !parts.every((p) => DECIMAL.test(p)))
      return undefined
    return locate(array, parts, key)
  }
  // The longest registered path that prefixes the key with exactly rank decimal parts after it.
  const paths = [...manifest.arrays.keys()].sort((a, b) => b.length - a.length)
  for (const path of paths) {
    const prefix = path === '' ? '' : `${path}/`
    if (!key.startsWith(prefix)) continue
    const array = manifest.arrays.get(path) as ArrayIndex
    const parts = key.slice(prefix.length).split('/')
    if (parts.length === array.chunkShape.length && parts.every((p) => DECIMAL.test(p)))
      return locate(array, parts, key)
  }
  return undefined
}

function locate(array: ArrayIndex, parts: string[], key: string): ChunkRef {
  const coords = parts.map(Number)
  const linear = array.linearIndex(coords)
  if (linear === undefined) {
    throw new ShardedZarrError(
      'ERR_CHUNK_OUT_OF_GRID',
      `chunk key ${JSON.stringify(key)} is outside the chunk grid ${JSON.stringify(array.chunksPerDim)} of its array`,
      { key },
    )
  }
  return { array, linear }
}

/** The Zarr key of chunk `coords` of the array at `path` (`temp/c/0/1`, or `c/0/1` at the root). */
export function chunkKey(path: string, coords: readonly number[]): string {
  const tail = coords.join('/')
  return path === '' ? `c/${tail}` : `${path}/c/${tail}`
}
