export { HAMT, type HamtOptions } from './hamt.js'
export { type ByteRange, type CallOptions, type Codec, type ContentAddressedStore, resolveRange, sliceRange } from './cas.js'
export { blake3HashFn, blake3Hasher, extractBits, type HashFn } from './hash.js'
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
export { CID } from 'multiformats/cid'
