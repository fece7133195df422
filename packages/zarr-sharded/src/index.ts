export {
  type ConsolidatedRootMetadata,
  type ValueTransform,
  writeConsolidatedMetadata,
  ZarrMetadataError,
} from '@hamt/zarr-common'
export { type ChunkRef, chunkKey } from './chunk-key.js'
export { type ConvertOptions, type ConvertProgress, convertHamtToSharded } from './convert.js'
export { ShardedZarrError, type ShardedZarrErrorCode } from './errors.js'
export { isShardedRoot, type ManifestVersion, SHARDED_ZARR_V1, SHARDED_ZARR_V2 } from './manifest.js'
export {
  type CreateShardedOptions,
  DEFAULT_CHUNKS_PER_SHARD,
  type OpenShardedOptions,
  type ShardedCommitOptions,
  ShardedZarrStore,
  type ShardedZarrStoreOptions,
} from './sharded-zarr-store.js'
