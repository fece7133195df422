import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'
import { blake3Into } from './blake3/index.js'
import type { Codec } from './cas.js'

const CODEC_CODES: Readonly<Record<Codec, number>> = { raw: 0x55, 'dag-cbor': 0x71 }
const BLAKE3 = 0x1e
const CID_LENGTH = 36 // version, codec, hash code, digest length: one varint byte each; 32-byte digest

// CIDs are built as views into a shared slab. multiformats reads `.buffer` of every CID's bytes, and
// for a small typed array V8 must then give it an ArrayBuffer of its own: an allocation per read
// that showed up as a tenth of the insert path.
const SLAB_SIZE = 64 * 1024
let slab = new Uint8Array(SLAB_SIZE)
let used = 0

/**
 * The CID Kubo gives a block of up to one chunk (1 MiB by default) added with `hash=blake3`: CIDv1,
 * the given codec, a BLAKE3-256 multihash. Backends that want py-hamt-compatible CIDs use this.
 */
export function blake3Cid(data: Uint8Array, codec: Codec): CID {
  const code = CODEC_CODES[codec]
  if (used + CID_LENGTH > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE)
    used = 0
  }
  const bytes = slab.subarray(used, used + CID_LENGTH)
  used += CID_LENGTH
  bytes[0] = 1
  bytes[1] = code
  bytes[2] = BLAKE3
  bytes[3] = 32
  const digest = bytes.subarray(4)
  blake3Into(data, digest)
  return new CID(1, code, new Digest(BLAKE3, 32, digest, bytes.subarray(2)), bytes)
}
