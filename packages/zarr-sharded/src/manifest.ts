import { CID } from 'multiformats/cid'
import { ShardedZarrError } from './errors.js'
import { ArrayIndex } from './geometry.js'

/** py-hamt's deprecated single-index layout: read here, never written. */
export const SHARDED_ZARR_V1 = 'sharded_zarr_v1'
/** py-hamt's layout with one shard index per array path: read and written here. */
export const SHARDED_ZARR_V2 = 'sharded_zarr_v2'
/** `store_type` of a v2 root, as py-hamt writes it. */
export const STORE_TYPE = 'py_hamt.sharded_zarr'

/** The manifest version of a sharded root. */
export type ManifestVersion = typeof SHARDED_ZARR_V1 | typeof SHARDED_ZARR_V2

/** A root block, decoded and checked. */
export interface Manifest {
  version: ManifestVersion
  /** Zarr key → CID of its raw block: metadata, and chunks that are in no shard index. */
  metadata: Map<string, CID>
  /** Shard index per array path (v1: one, under `''`). */
  arrays: Map<string, ArrayIndex>
  /** Chunks per shard for arrays registered later (v2), from the root's `sharding_config`. */
  defaultChunksPerShard: number | undefined
  /** v1: the array whose chunks are in the shards, when the root records it. */
  primaryArrayPath: string | undefined
  /** Every other field of the root, written back unchanged. */
  rest: Record<string, unknown>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)
}

/** Whether a decoded root block is a sharded store's (of any version): what `openZarr` asks. */
export function isShardedRoot(decoded: unknown): boolean {
  return (
    isRecord(decoded) &&
    typeof decoded.manifest_version === 'string' &&
    decoded.manifest_version.startsWith('sharded_zarr_')
  )
}

/**
 * Checks a decoded root block and builds its shard indexes.
 *
 * @throws {ShardedZarrError} `ERR_SHARDED_ROOT` for a root of no known layout or with malformed
 * fields, `ERR_SHARDED_GEOMETRY` when a shard list does not match its array's geometry.
 */
export function parseManifest(cid: CID | undefined, decoded: unknown): Manifest {
  const where = { cid }
  const fail = (reason: string): never => {
    throw new ShardedZarrError(
      'ERR_SHARDED_ROOT',
      `${cid === undefined ? 'the root' : `root ${cid.toString()}`} is not a sharded Zarr store: ${reason}`,
      where,
    )
  }
  if (!isRecord(decoded)) return fail('it is not a DAG-CBOR map')
  const version = decoded.manifest_version
  if (version !== SHARDED_ZARR_V1 && version !== SHARDED_ZARR_V2) {
    return fail(
      `manifest_version is ${JSON.stringify(version) ?? 'missing'}, expected "${SHARDED_ZARR_V1}" or "${SHARDED_ZARR_V2}"`,
    )
  }
  const metadata = new Map<string, CID>()
  if (!isRecord(decoded.metadata)) return fail('metadata is not a map')
  for (const [key, value] of Object.entries(decoded.metadata)) {
    const link = CID.asCID(value)
    if (link === null) return fail(`metadata[${JSON.stringify(key)}] is not a CID`)
    metadata.set(key, link)
  }
  const withCause = <T>(build: () => T): T => {
    try {
      return build()
    } catch (error) {
      if (error instanceof ShardedZarrError) {
        throw new ShardedZarrError(error.code, `root ${cid?.toString() ?? ''}: ${error.message}`, where, {
          cause: error,
        })
      }
      throw error
    }
  }
  const arrays = new Map<string, ArrayIndex>()
  const { metadata: _m, ...rest } = decoded
  if (version === SHARDED_ZARR_V1) {
    const chunks = decoded.chunks
    if (!isRecord(chunks)) return fail('a sharded_zarr_v1 root needs a chunks map')
    arrays.set(
      '',
      withCause(() => arrayFromManifest('', chunks, fail)),
    )
    const primary = chunks.primary_array_path
    return {
      version,
      metadata,
      arrays,
      defaultChunksPerShard: arrays.get('')?.chunksPerShard,
      primaryArrayPath: typeof primary === 'string' ? trimSlashes(primary) : undefined,
      rest,
    }
  }
  if (!isRecord(decoded.arrays)) return fail('a sharded_zarr_v2 root needs an arrays map')
  for (const [path, manifest] of Object.entries(decoded.arrays)) {
    if (!isRecord(manifest)) return fail(`arrays[${JSON.stringify(path)}] is not a map`)
    arrays.set(
      trimSlashes(path),
      withCause(() => arrayFromManifest(path, manifest, fail)),
    )
  }
  const { arrays: _a, ...others } = rest
  const config = decoded.sharding_config
  const fromConfig =
    isRecord(config) && typeof config.chunks_per_shard === 'number' ? config.chunks_per_shard : undefined
  const first = arrays.values().next().value
  return {
    version,
    metadata,
    arrays,
    defaultChunksPerShard: first?.chunksPerShard ?? fromConfig,
    primaryArrayPath: undefined,
    rest: others,
  }
}

function arrayFromManifest(
  path: string,
  manifest: Record<string, unknown>,
  fail: (reason: string) => never,
): ArrayIndex {
  const name = JSON.stringify(path)
  const shardCids = manifest.shard_cids
  if (!Array.isArray(shardCids)) return fail(`shard_cids of array ${name} is not a list`)
  const cids = shardCids.map((entry, i) => {
    if (entry === null) return null
    const link = CID.asCID(entry)
    return link ?? fail(`shard_cids[${i}] of array ${name} is neither a CID nor null`)
  })
  const config = manifest.sharding_config
  if (!isRecord(config)) return fail(`sharding_config of array ${name} is not a map`)
  if (config.order !== undefined && config.order !== 'C')
    return fail(`array ${name} has order ${String(config.order)}, only "C" is defined`)
  return new ArrayIndex(
    trimSlashes(path),
    manifest.array_shape as number[],
    manifest.chunk_shape as number[],
    config.chunks_per_shard as number,
    cids,
  )
}

/** One array's entry of a v2 root's `arrays`, as py-hamt writes it. */
export function arrayToManifest(index: ArrayIndex): Record<string, unknown> {
  return {
    array_shape: [...index.shape],
    chunk_shape: [...index.chunkShape],
    sharding_config: { chunks_per_shard: index.chunksPerShard, order: 'C' },
    shard_cids: [...index.shardCids],
  }
}

/** A new v2 root's fields besides `metadata` and `arrays`. */
export function newV2Rest(chunksPerShard: number): Record<string, unknown> {
  return {
    manifest_version: SHARDED_ZARR_V2,
    store_type: STORE_TYPE,
    zarr_format: 3,
    sharding_config: { chunks_per_shard: chunksPerShard, order: 'C' },
  }
}

/** The root object to encode: v2 only (v1 stores are read-only). */
export function manifestToRoot(manifest: Manifest): Record<string, unknown> {
  return {
    ...manifest.rest,
    metadata: Object.fromEntries(manifest.metadata),
    arrays: Object.fromEntries([...manifest.arrays].map(([path, index]) => [path, arrayToManifest(index)])),
  }
}

/** py-hamt's array path normalisation: no leading or trailing `/`. */
export function trimSlashes(path: string): string {
  let start = 0
  let end = path.length
  while (start < end && path[start] === '/') start++
  while (end > start && path[end - 1] === '/') end--
  return path.slice(start, end)
}
