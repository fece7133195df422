import type { CID } from 'multiformats/cid'

// A py-hamt node has one shape: an array of 256 slots, each an empty map, a map of text keys to
// CIDs, or an array of one CID. @ipld/dag-cbor encodes any data and spent about 1.7 µs per bucket
// entry here (the bulk of a commit); this writes the same bytes for this one shape directly.
// test/node-encoder.test.ts checks it byte for byte against @ipld/dag-cbor.

const utf8 = new TextEncoder()
const CID_TAG = [0xd8, 0x2a] // tag 42

/** One slot as the encoder takes it. */
export type EncodableSlot = undefined | Map<string, CID> | CID

// Nodes are written into one scratch buffer that grows as needed, in a single pass, and copied out:
// measuring first meant sorting every bucket twice or keeping the sorted entries, an array per entry.
let scratch = new Uint8Array(64 * 1024)
const MAX_SCRATCH = 1024 * 1024

/** DAG-CBOR bytes of a node whose slots are empty, buckets, or links (given as the child's CID). */
export function encodeNodeSlots(slots: readonly EncodableSlot[]): Uint8Array {
  let out = scratch
  let at = 0
  const ensure = (bytes: number): void => {
    if (at + bytes <= out.length) return
    const grown = new Uint8Array(Math.max(out.length * 2, at + bytes))
    grown.set(out.subarray(0, at))
    out = grown
    // Kept for the next node unless a freak node (huge keys) made it big.
    if (grown.length <= MAX_SCRATCH) scratch = grown
  }
  ensure(5)
  at = writeHeader(out, at, 0x80, slots.length)
  for (const slot of slots) {
    if (slot === undefined) {
      ensure(1)
      out[at++] = 0xa0
    } else if (slot instanceof Map) {
      // An upper bound: a UTF-16 code unit takes at most 3 bytes in UTF-8.
      let bound = 5
      let ascii = true
      for (const [key, cid] of slot) {
        bound += 5 + 3 * key.length + cidSize(cid)
        if (ascii && !isAscii(key)) ascii = false
      }
      ensure(bound)
      at = writeHeader(out, at, 0xa0, slot.size)
      if (ascii) {
        // DAG-CBOR orders map keys by encoded length, then bytewise. For ASCII keys (the usual case)
        // a string is its bytes, and string order is byte order.
        const keys = slot.size === 1 ? slot.keys() : [...slot.keys()].sort(compareAsciiKeys)
        for (const key of keys) {
          at = writeHeader(out, at, 0x60, key.length)
          for (let i = 0; i < key.length; i++) out[at + i] = key.charCodeAt(i)
          at = writeCid(out, at + key.length, slot.get(key) as CID)
        }
      } else {
        const entries: [Uint8Array, CID][] = []
        for (const [key, cid] of slot) entries.push([utf8.encode(key), cid])
        entries.sort(compareKeys)
        for (const [key, cid] of entries) {
          at = writeHeader(out, at, 0x60, key.length)
          out.set(key, at)
          at = writeCid(out, at + key.length, cid)
        }
      }
    } else {
      ensure(1 + cidSize(slot))
      out[at++] = 0x81
      at = writeCid(out, at, slot)
    }
  }
  return out.slice(0, at)
}

function isAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return false
  return true
}

function compareAsciiKeys(x: string, y: string): number {
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0
}

function compareKeys(a: [Uint8Array, CID], b: [Uint8Array, CID]): number {
  const x = a[0]
  const y = b[0]
  if (x.length !== y.length) return x.length - y.length
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return 0
}

function headerSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

function writeHeader(out: Uint8Array, at: number, major: number, n: number): number {
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

/** Tag 42, then a byte string of 0x00 and the CID's bytes. */
function cidSize(cid: CID): number {
  const length = cid.bytes.length + 1
  return CID_TAG.length + headerSize(length) + length
}

function writeCid(out: Uint8Array, at: number, cid: CID): number {
  out[at] = 0xd8
  out[at + 1] = 0x2a
  at = writeHeader(out, at + 2, 0x40, cid.bytes.length + 1)
  out[at] = 0
  out.set(cid.bytes, at + 1)
  return at + 1 + cid.bytes.length
}
