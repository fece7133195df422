import { from } from 'multiformats/hashes/hasher'
import { blake3, blake3Text, blake3TextView, blake3View } from './blake3/index.js'
import { InvalidOptionError } from './errors.js'

/**
 * Places a key in the HAMT: takes the key's UTF-8 bytes, returns its hash. Byte `d` of the hash picks
 * the slot at depth `d`, so the hash length bounds the depth of the tree.
 */
export type HashFn = (key: Uint8Array) => Uint8Array

/** The default {@link HashFn}, as py-hamt's `blake3_hashfn`: the 32-byte BLAKE3 digest. */
export const blake3HashFn: HashFn = blake3

const utf8 = new TextEncoder()

/**
 * The hash of a key: `hashFn` of its UTF-8 bytes. The default BLAKE3 hashes a short ASCII key straight
 * from the string, which skips making the bytes.
 *
 * @throws {InvalidOptionError} when a custom `hashFn` returns something other than a non-empty `Uint8Array`.
 */
export function hashKey(hashFn: HashFn, key: string): Uint8Array {
  if (hashFn === blake3HashFn) return blake3Text(key)
  return checkedHash(hashFn(utf8Bytes(key)))
}

/**
 * The hash of a key given as its UTF-8 bytes (as a node block holds it). The default hash's answer may
 * be a view that the next hash overwrites, as with {@link hashKeyView}. A custom `hashFn` gets a copy,
 * so it cannot change the block.
 *
 * @throws {InvalidOptionError} when a custom `hashFn` returns something other than a non-empty `Uint8Array`.
 */
export function hashKeyBytes(hashFn: HashFn, key: Uint8Array): Uint8Array {
  return hashFn === blake3HashFn ? blake3View(key) : checkedHash(hashFn(key.slice()))
}

function checkedHash(hash: Uint8Array): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length === 0) {
    throw new InvalidOptionError('hashFn must return a non-empty Uint8Array')
  }
  return hash
}

/**
 * {@link hashKey}, but the default hash's answer may be a view that the next hash overwrites (no copy
 * is made): for a reader that is done with it before anything else can hash.
 */
export function hashKeyView(hashFn: HashFn, key: string): Uint8Array {
  return hashFn === blake3HashFn ? blake3TextView(key) : hashKey(hashFn, key)
}

/** UTF-8 bytes of a key; short ASCII keys (the usual kind) skip TextEncoder's native call. */
function utf8Bytes(key: string): Uint8Array {
  const length = key.length
  if (length > 64) return utf8.encode(key)
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i)
    if (code > 0x7f) return utf8.encode(key)
    bytes[i] = code
  }
  return bytes
}

/** BLAKE3-256 as a multiformats hasher (multihash code 0x1e), for building and checking CIDs. */
export const blake3Hasher = from({ name: 'blake3', code: 0x1e, encode: blake3 })

/**
 * Reads `nbits` bits of `hash`, starting at bit `depth * nbits` (most significant bit first), as an
 * unsigned integer: py-hamt's `extract_bits`. With `nbits = 8` this is `hash[depth]`.
 *
 * @throws {InvalidOptionError} when `nbits` is not 1–32 or the bits run past the end of the hash.
 */
export function extractBits(hash: Uint8Array, depth: number, nbits: number): number {
  if (!Number.isInteger(nbits) || nbits < 1 || nbits > 32) {
    throw new InvalidOptionError(`nbits must be an integer from 1 to 32, got ${nbits}`)
  }
  const start = depth * nbits
  if (!Number.isInteger(depth) || depth < 0 || start + nbits > hash.length * 8) {
    throw new InvalidOptionError(`cannot extract ${nbits} bits at depth ${depth} from a ${hash.length * 8}-bit hash`)
  }
  let result = 0
  for (let bit = start; bit < start + nbits; bit++) {
    const byte = hash[bit >>> 3] as number
    result = result * 2 + ((byte >>> (7 - (bit & 7))) & 1)
  }
  return result
}
