export {
  type ConsolidatedRootMetadata,
  writeConsolidatedMetadata,
  type ZarrNodeMetadata,
} from './consolidate.js'
export { ZarrMetadataError } from './errors.js'
export { isMetadataKey, toHamtKey } from './keys.js'
export {
  type CommitOptions,
  type ValueTransform,
  ZarrHAMTStore,
  type ZarrHAMTStoreOptions,
} from './zarr-hamt-store.js'
