export { CID } from 'multiformats/cid'
export {
  type ByteRange,
  type CallOptions,
  type Codec,
  type ContentAddressedStore,
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
export { HAMT, type HamtOptions } from './hamt.js'
export { blake3Hasher, blake3HashFn, extractBits, type HashFn } from './hash.js'
