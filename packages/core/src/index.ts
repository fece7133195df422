export { CID } from 'multiformats/cid'
export { blake3Implementation } from './blake3/index.js'
export { blake3Cid } from './block-cid.js'
export {
  type Block,
  type ByteRange,
  type CallOptions,
  type Codec,
  type ContentAddressedStore,
  checkSaveInput,
  resolveRange,
  sliceRange,
} from './cas.js'
export {
  BlockNotFoundError,
  HamtError,
  type HamtErrorCode,
  HashCollisionError,
  InvalidKeyError,
  InvalidNodeError,
  InvalidOptionError,
  InvalidRangeError,
  InvalidValueError,
  ReadOnlyError,
  UncommittedChangesError,
} from './errors.js'
export { HAMT, type HamtOptions, MAX_VALUE_BYTES, type WriteOptions } from './hamt.js'
export { blake3Hasher, blake3HashFn, extractBits, type HashFn } from './hash.js'
export { keyChainPath } from './key-chain.js'
export type { PreloadResult } from './preload.js'
