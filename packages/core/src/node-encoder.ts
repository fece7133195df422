import type { CID } from 'multiformats/cid'

// A py-hamt node has one shape: an array of 256 slots, each an empty map, a map of text keys to
// CIDs, or an array of one CID. @ipld/dag-cbor encodes any data and spent about 1.7 µs per bucket
// entry here (the bulk of a commit); this writes the same bytes for this one shape directly.
// test/node-encoder.test.ts checks it byte for byte against @ipld/dag-cbor.

const utf8 = new TextEncoder()
const CID_TAG = [0xd8, 0x2a] // tag 42

/** One slot as the encoder takes it. */
export type EncodableSlot = undefined | Map<string, CID> | CID

/** DAG-CBOR bytes of a node whose slots are empty, buckets, or links (given as the child's CID). */
export function encodeNodeSlots(slots: readonly EncodableSlot[]): Uint8Array {
  let size = headerSize(slots.length)
  const buckets: [string | Uint8Array, CID][][] = []
  for (const slot of slots) {
    if (slot === undefined) {
      size += 1
    } else if (slot instanceof Map) {
      // DAG-CBOR orders map keys by encoded length, then bytewise. For ASCII keys (the usual case)
      // a string is its bytes, and string order is byte order.
      const entries: [string | Uint8Array, CID][] = []
      let ascii = true
      for (const [key, cid] of slot) {
        entries.push([key, cid])
        if (ascii && !isAscii(key)) ascii = false
      }
      if (!ascii) for (const entry of entries) entry[0] = utf8.encode(entry[0] as string)
      entries.sort(ascii ? compareAsciiKeys : compareKeys)
      buckets.push(entries)
      size += headerSize(entries.length)
      for (const [key, cid] of entries) size += headerSize(key.length) + key.length + cidSize(cid)
    } else {
      size += 1 + cidSize(slot)
    }
  }
  const out = new Uint8Array(size)
  let at = writeHeader(out, 0, 0x80, slots.length)
  let bucket = 0
  for (const slot of slots) {
    if (slot === undefined) {
      out[at++] = 0xa0
    } else if (slot instanceof Map) {
      const entries = buckets[bucket++] as [string | Uint8Array, CID][]
      at = writeHeader(out, at, 0xa0, entries.length)
      for (const [key, cid] of entries) {
        at = writeHeader(out, at, 0x60, key.length)
        if (typeof key === 'string') for (let i = 0; i < key.length; i++) out[at + i] = key.charCodeAt(i)
        else out.set(key, at)
        at = writeCid(out, at + key.length, cid)
      }
    } else {
      out[at++] = 0x81
      at = writeCid(out, at, slot)
    }
  }
  return out
}

function isAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return false
  return true
}

function compareAsciiKeys(a: [string | Uint8Array, CID], b: [string | Uint8Array, CID]): number {
  const x = a[0] as string
  const y = b[0] as string
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0
}

function compareKeys(a: [string | Uint8Array, CID], b: [string | Uint8Array, CID]): number {
  const x = a[0] as Uint8Array
  const y = b[0] as Uint8Array
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
