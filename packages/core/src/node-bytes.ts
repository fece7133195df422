import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'

// Reading a node block that node-parser.ts has checked: its heads are minimal and definite, its
// bucket entries are a text key then tag 42 around a byte string of 0x00 and a CID. Nothing here
// checks anything again, so these must only be given checked bytes.

/** Bytes taken by the CBOR head whose first byte is `first` (1, 2, 3 or 5); 0 for a head this format never has. */
export function headLength(first: number): number {
  const info = first & 0x1f
  return info < 24 ? 1 : info === 24 ? 2 : info === 25 ? 3 : info === 26 ? 5 : 0
}

/** The number (a length or a count) in the CBOR head at `at`. */
export function headValue(bytes: Uint8Array, at: number): number {
  const info = (bytes[at] as number) & 0x1f
  if (info < 24) return info
  if (info === 24) return bytes[at + 1] as number
  if (info === 25) return ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number)
  return (
    (((bytes[at + 1] as number) << 24) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 8) |
      (bytes[at + 4] as number)) >>>
    0
  )
}

/** Where the CID bytes of the tag-42 link at `at` start (past the tag, the byte-string head and 0x00). */
export function cidStart(bytes: Uint8Array, at: number): number {
  return at + 2 + headLength(bytes[at + 2] as number) + 1
}

/** Where the tag-42 link at `at` ends. */
export function cidEnd(bytes: Uint8Array, at: number): number {
  return at + 2 + headLength(bytes[at + 2] as number) + headValue(bytes, at + 2)
}

/** The CID of the tag-42 link at `at`, as a view of `bytes` (no copy). */
export function cidAt(bytes: Uint8Array, at: number): CID {
  return cidOf(bytes.subarray(cidStart(bytes, at), cidEnd(bytes, at)))
}

/**
 * The CID whose bytes are `view` (kept, not copied). A CIDv1 with one-byte varints (every CID py-hamt
 * and Kubo write) is built straight from its bytes: `CID.decode` is general, and this is on every read.
 */
export function cidOf(view: Uint8Array): CID {
  const code = view[1] as number
  const hashCode = view[2] as number
  const size = view[3] as number
  if (view[0] === 1 && code < 0x80 && hashCode < 0x80 && size < 0x80 && view.length === 4 + size) {
    return new CID(1, code, new Digest(hashCode, size, view.subarray(4), view.subarray(2)), view)
  }
  return CID.decode(view)
}

// CIDs handed out are copied into a shared slab: a caller keeping one keeps 64 KiB at most, never a
// node's block; and cborg's or a block's own small buffers would cost V8 about 200 bytes apiece.
const SLAB_SIZE = 64 * 1024
let slab = new Uint8Array(SLAB_SIZE)
let used = 0

/** The CID whose bytes are `bytes[start..end)`, copied into the shared slab (see {@link cidOf}). */
export function copiedCid(bytes: Uint8Array, start: number, end: number): CID {
  const length = end - start
  if (used + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE)
    used = 0
  }
  const copy = slab.subarray(used, used + length)
  for (let i = 0; i < length; i++) copy[i] = bytes[start + i] as number
  used += length
  return cidOf(copy)
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

/** The text key whose head is at `at` (UTF-8, checked; a leading U+FEFF is part of the key). */
export function keyAt(bytes: Uint8Array, at: number): string {
  const start = at + headLength(bytes[at] as number)
  const end = start + headValue(bytes, at)
  if (end - start <= 32) {
    // Short ASCII keys, the usual kind, skip TextDecoder's native call; V8 builds a string from a
    // fixed number of char codes fastest, so they go eight at a time.
    for (let i = start; i < end; i++) if ((bytes[i] as number) >= 0x80) return utf8.decode(bytes.subarray(start, end))
    const char = String.fromCharCode
    const b = bytes
    let key = ''
    let i = start
    for (; i + 8 <= end; i += 8) {
      key += char(
        b[i] as number,
        b[i + 1] as number,
        b[i + 2] as number,
        b[i + 3] as number,
        b[i + 4] as number,
        b[i + 5] as number,
        b[i + 6] as number,
        b[i + 7] as number,
      )
    }
    for (; i < end; i++) key += char(b[i] as number)
    return key
  }
  return utf8.decode(bytes.subarray(start, end))
}

/** Where the link after the text key whose head is at `at` starts. */
export function keyEnd(bytes: Uint8Array, at: number): number {
  return at + headLength(bytes[at] as number) + headValue(bytes, at)
}

/** `cid` with bytes of its own (in the shared slab): a CID that keeps no node's block alive. */
export function detachedCid(cid: CID): CID {
  return copiedCid(cid.bytes, 0, cid.bytes.length)
}
