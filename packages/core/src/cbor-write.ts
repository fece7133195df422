// Writing the few CBOR items a py-hamt node is made of: heads, and tag-42 links. The readers are in
// node-bytes.ts.

/** Bytes of the CBOR head of length or count `n`. */
export function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

/** Writes the minimal CBOR head of major type `major` (its top three bits, e.g. 0xa0) and `n`; returns where it ends. */
export function writeHead(out: Uint8Array, at: number, major: number, n: number): number {
  if (n < 24) {
    out[at] = major | n
    return at + 1
  }
  if (n < 0x100) {
    out[at] = major | 24
    out[at + 1] = n
    return at + 2
  }
  if (n < 0x10000) {
    out[at] = major | 25
    out[at + 1] = n >>> 8
    out[at + 2] = n & 0xff
    return at + 3
  }
  out[at] = major | 26
  out[at + 1] = n >>> 24
  out[at + 2] = (n >>> 16) & 0xff
  out[at + 3] = (n >>> 8) & 0xff
  out[at + 4] = n & 0xff
  return at + 5
}

/** Bytes of a link to a CID of `length` bytes: tag 42, then a byte string of 0x00 and the CID. */
export function linkSize(length: number): number {
  return 2 + headSize(length + 1) + length + 1
}

/** Writes a link to the CID whose bytes are `cid`; returns where it ends. */
export function writeLink(out: Uint8Array, at: number, cid: Uint8Array): number {
  out[at] = 0xd8
  out[at + 1] = 0x2a
  at = writeHead(out, at + 2, 0x40, cid.length + 1)
  out[at] = 0
  out.set(cid, at + 1)
  return at + 1 + cid.length
}
