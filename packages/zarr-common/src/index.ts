export {
  type ConsolidatableStore,
  type ConsolidatedRootMetadata,
  writeConsolidatedMetadata,
  type ZarrNodeMetadata,
} from './consolidate.js'
export { ZarrMetadataError } from './errors.js'
export { KeyIndex } from './key-index.js'
export { isMetadataKey, toDirPrefix, toHamtKey } from './keys.js'
export { MetadataCache } from './metadata-cache.js'
export { toByteRange } from './range.js'
export type { ValueTransform } from './transform.js'
export { abortable, ValueCache } from './value-cache.js'
