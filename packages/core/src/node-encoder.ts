import type { CID } from 'multiformats/cid'

// A py-hamt node has one shape: an array of 256 slots, each an empty map, a map of text keys to
// CIDs, or an array of one CID. @ipld/dag-cbor encodes any data and spent about 1.7 µs per bucket
// entry here (the bulk of a commit); this writes the same bytes for this one shape directly.
// test/node-encoder.test.ts checks it byte for byte against @ipld/dag-cbor.
//
// A commit encodes every key it holds, so this makes no object per bucket or entry: a bucket's
// entries are gathered into arrays reused from bucket to bucket (a Map's forEach hands over key and
// CID without the pair arrays its iterator makes), and sorted there. Gathering, sorting and the
// `[...keys]` copy were a fifth of what a bulk load allocated.

const utf8 = new TextEncoder()

/** One slot as the encoder takes it. */
export type EncodableSlot = undefined | Map<string, CID> | CID

// Nodes are written into one scratch buffer that grows as needed, in a single pass, and copied out:
// measuring first meant sorting every bucket twice or keeping the sorted entries, an array per entry.
let scratch = new Uint8Array(64 * 1024)
const MAX_SCRATCH = 1024 * 1024
/** Buckets this big or bigger are sorted by Array#sort; smaller ones by insertion sort, in place. */
const INSERTION_SORT_BELOW = 16

// The node being written (encoding is synchronous, so one at a time): its buffer and the next byte.
let out = scratch
let at = 0

// The bucket being written: its keys and their CIDs, an upper bound of its encoded size, whether all
// its keys are ASCII. Entries past `count` are left from earlier buckets (at most KEPT_ENTRIES of
// them once a node is done, so a huge bucket is not kept alive).
const keys: string[] = []
const cids: CID[] = []
const KEPT_ENTRIES = 64
let count = 0
let bound = 0
let ascii = true

/** DAG-CBOR bytes of a node whose slots are empty, buckets, or links (given as the child's CID). */
export function encodeNodeSlots(slots: readonly EncodableSlot[]): Uint8Array {
  out = scratch
  at = 0
  ensure(5)
  at = writeHeader(out, at, 0x80, slots.length)
  // Indexed, as in flush.ts: this often runs unoptimized during a commit.
  for (let index = 0; index < slots.length; index++) {
    const slot = slots[index]
    if (slot === undefined) {
      ensure(1)
      out[at++] = 0xa0
    } else if (slot instanceof Map) {
      writeBucket(slot)
    } else {
      ensure(1 + cidSize(slot))
      out[at++] = 0x81
      at = writeCid(out, at, slot)
    }
  }
  const bytes = out.slice(0, at)
  out = scratch
  if (keys.length > KEPT_ENTRIES) {
    keys.length = 0
    cids.length = 0
  }
  return bytes
}

/** Makes room for `bytes` more bytes. */
function ensure(bytes: number): void {
  if (at + bytes <= out.length) return
  const grown = new Uint8Array(Math.max(out.length * 2, at + bytes))
  grown.set(out.subarray(0, at))
  out = grown
  // Kept for the next node unless a freak node (huge keys) made it big.
  if (grown.length <= MAX_SCRATCH) scratch = grown
}

function gather(cid: CID, key: string): void {
  keys[count] = key
  cids[count] = cid
  count++
  // An upper bound: a UTF-16 code unit takes at most 3 bytes in UTF-8.
  bound += 5 + 3 * key.length + cidSize(cid)
  if (ascii && !isAscii(key)) ascii = false
}

/** A bucket: a map of its keys, in DAG-CBOR's order, to their CIDs. */
function writeBucket(bucket: Map<string, CID>): void {
  count = 0
  bound = 5
  ascii = true
  bucket.forEach(gather)
  ensure(bound)
  at = writeHeader(out, at, 0xa0, count)
  if (!ascii) {
    writeNonAsciiBucket()
    return
  }
  // DAG-CBOR orders map keys by encoded length, then bytewise. For ASCII keys (the usual case) a
  // string is its bytes, and string order is byte order.
  if (count >= INSERTION_SORT_BELOW) sortLargeBucket()
  else if (count > 1) sortSmallBucket()
  for (let entry = 0; entry < count; entry++) {
    const key = keys[entry] as string
    at = writeHeader(out, at, 0x60, key.length)
    for (let i = 0; i < key.length; i++) out[at + i] = key.charCodeAt(i)
    at = writeCid(out, at + key.length, cids[entry] as CID)
  }
}

/** Insertion sort of the gathered entries, keys and CIDs together. */
function sortSmallBucket(): void {
  for (let i = 1; i < count; i++) {
    const key = keys[i] as string
    const cid = cids[i] as CID
    let j = i - 1
    for (; j >= 0 && compareAsciiKeys(keys[j] as string, key) > 0; j--) {
      keys[j + 1] = keys[j] as string
      cids[j + 1] = cids[j] as CID
    }
    keys[j + 1] = key
    cids[j + 1] = cid
  }
}

/** Sorts the gathered entries of a bucket too big for insertion sort (a large `maxBucketSize`). */
function sortLargeBucket(): void {
  const order = Array.from({ length: count }, (_, i) => i).sort((x, y) =>
    compareAsciiKeys(keys[x] as string, keys[y] as string),
  )
  const sortedKeys = order.map((i) => keys[i] as string)
  const sortedCids = order.map((i) => cids[i] as CID)
  for (let i = 0; i < count; i++) {
    keys[i] = sortedKeys[i] as string
    cids[i] = sortedCids[i] as CID
  }
}

/** The gathered entries when some key is not ASCII: sorted by their UTF-8 bytes. */
function writeNonAsciiBucket(): void {
  const entries: [Uint8Array, CID][] = []
  for (let i = 0; i < count; i++) entries.push([utf8.encode(keys[i] as string), cids[i] as CID])
  entries.sort(compareKeys)
  for (const [key, cid] of entries) {
    at = writeHeader(out, at, 0x60, key.length)
    out.set(key, at)
    at = writeCid(out, at + key.length, cid)
  }
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
  return 2 + headerSize(length) + length
}

function writeCid(out: Uint8Array, at: number, cid: CID): number {
  out[at] = 0xd8
  out[at + 1] = 0x2a
  at = writeHeader(out, at + 2, 0x40, cid.bytes.length + 1)
  out[at] = 0
  out.set(cid.bytes, at + 1)
  return at + 1 + cid.bytes.length
}
