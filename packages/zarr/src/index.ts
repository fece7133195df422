export {
  type ConsolidatableStore,
  type ConsolidatedRootMetadata,
  isMetadataKey,
  toHamtKey,
  type ValueTransform,
  writeConsolidatedMetadata,
  ZarrMetadataError,
  type ZarrNodeMetadata,
} from '@hamt/zarr-common'
export { type CommitOptions, ZarrHAMTStore, type ZarrHAMTStoreOptions } from './zarr-hamt-store.js'
