import { bucketEnd } from './bucket-bytes.js'
import { headSize, linkSize, writeHead, writeLink } from './cbor-write.js'
import type { HamtNode } from './node.js'
import { cidEnd, cidStart, headLength, headValue, keyAt, keyEnd } from './node-bytes.js'

// Writing a write-mode node's buckets into its arena (see HamtNode.data). A bucket is written whole,
// past the arena's used bytes, and its slot then points at it: the old bucket's bytes stay as they
// were (a snapshot may share them) until the arena fills and its live buckets are copied into a new
// one. Every bucket written is canonical DAG-CBOR, entries ordered by key length then bytes, so a
// node's block is its buckets copied (node-encoder.ts).

/** A bucket entry being moved between buckets: its key and the bytes of its value's CID. */
export interface BucketEntry {
  readonly key: string
  readonly cid: Uint8Array
}

const MAP = 0xa0
const TEXT = 0x60
/** Smallest arena made: about a level-2 node's worth of small buckets. */
const MIN_ARENA = 512

const utf8 = new TextEncoder()
// The UTF-8 bytes of the key being written (one bucket is written at a time).
let keyBytes = new Uint8Array(256)

/** Encodes `key` into `keyBytes`; returns its byte length. */
function encodeKey(key: string): number {
  const length = key.length
  if (length * 3 > keyBytes.length) keyBytes = new Uint8Array(length * 3)
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i)
    if (code > 0x7f) return utf8.encodeInto(key, keyBytes).written
    keyBytes[i] = code
  }
  return length
}

/**
 * Returns the offset at which `length` more bytes can be written to `node`'s arena, making room when
 * there is none: a new arena twice the size of the live buckets and the new bytes, holding the live
 * buckets only (the slots move with them). The caller sets `node.used` once it has written.
 */
function reserve(node: HamtNode, length: number): number {
  if (node.used + length <= node.data.length) return node.used
  const old = node.data
  const slots = node.slots
  let live = 0
  for (let index = 0; index < slots.length; index++) {
    const slot = slots[index]
    if (typeof slot === 'number') live += bucketEnd(old, slot) - slot
  }
  const data = new Uint8Array(Math.max(MIN_ARENA, 2 * (live + length)))
  let at = 0
  for (let index = 0; index < slots.length; index++) {
    const slot = slots[index]
    if (typeof slot !== 'number') continue
    const end = bucketEnd(old, slot)
    data.set(old.subarray(slot, end), at)
    slots[index] = at
    at += end - slot
  }
  node.data = data
  node.used = at
  return at
}

/** Writes the entry of the key whose UTF-8 bytes are `key[0..length)` and `cid` at `at`; returns where it ends. */
function writeEntry(out: Uint8Array, at: number, key: Uint8Array, length: number, cid: Uint8Array): number {
  at = writeHead(out, at, TEXT, length)
  for (let i = 0; i < length; i++) out[at + i] = key[i] as number
  return writeLink(out, at + length, cid)
}

/** DAG-CBOR's order of the stored key whose head is at `at` against the key in `keyBytes`. */
function compareStoredKey(data: Uint8Array, at: number, keyLength: number): number {
  const length = headValue(data, at)
  if (length !== keyLength) return length - keyLength
  const start = at + headLength(data[at] as number)
  for (let i = 0; i < length; i++) {
    const diff = (data[start + i] as number) - (keyBytes[i] as number)
    if (diff !== 0) return diff
  }
  return 0
}

/**
 * Points `key` at the CID whose bytes are `cid` in the bucket of slot `index` (an empty slot gets a
 * bucket of one): a new bucket with the entry added, or replaced. `link` is where the key's entry has
 * its link now, as `findEntry` tells it, or -1 when the key is not in the bucket. The caller
 * decides whether the bucket may grow.
 *
 * @returns the bytes the node's arena grew by.
 */
export function putEntry(node: HamtNode, index: number, key: string, cid: Uint8Array, link: number): number {
  const before = node.data.byteLength
  const keyLength = encodeKey(key)
  const entryLength = headSize(keyLength) + keyLength + linkSize(cid.length)
  let slot = node.slots[index]
  if (typeof slot !== 'number') {
    const at = reserve(node, 1 + entryLength)
    node.data[at] = MAP | 1
    node.used = writeEntry(node.data, at + 1, keyBytes, keyLength, cid)
    node.slots[index] = at
    return node.data.byteLength - before
  }
  // The new bucket: the old one, less the key's old entry if it has one, plus the new entry. Offsets
  // are kept relative to the bucket, which moves if the arena does.
  let data = node.data
  const oldCount = headValue(data, slot)
  const replaced = link < 0 ? -1 : link - keyLength - headSize(keyLength) - slot
  const replacedLength = link < 0 ? 0 : cidEnd(data, link) - (slot + replaced)
  const count = link < 0 ? oldCount + 1 : oldCount
  const length = bucketEnd(data, slot) - slot - headSize(oldCount) + headSize(count) + entryLength - replacedLength
  let at = reserve(node, length)
  data = node.data
  slot = node.slots[index] as number
  const start = at
  at = writeHead(data, at, MAP, count)
  let read = slot + headLength(data[slot] as number)
  let written = false
  for (let entry = 0; entry < oldCount; entry++) {
    const end = cidEnd(data, keyEnd(data, read))
    if (!written && (read - slot === replaced || compareStoredKey(data, read, keyLength) > 0)) {
      at = writeEntry(data, at, keyBytes, keyLength, cid)
      written = true
    }
    if (read - slot !== replaced) {
      data.copyWithin(at, read, end)
      at += end - read
    }
    read = end
  }
  if (!written) at = writeEntry(data, at, keyBytes, keyLength, cid)
  node.slots[index] = start
  node.used = at
  return node.data.byteLength - before
}

/**
 * Removes `key` from the bucket of slot `index`: a new bucket without its entry, or an empty slot
 * when it was the last.
 *
 * @returns whether the key was there.
 */
export function dropEntry(node: HamtNode, index: number, key: string): boolean {
  const keyLength = encodeKey(key)
  let data = node.data
  let slot = node.slots[index] as number
  const count = headValue(data, slot)
  // Where the key's entry is, as an entry number and a length: offsets move if the arena does.
  let found = -1
  let dropped = 0
  let read = slot + headLength(data[slot] as number)
  for (let entry = 0; entry < count && found < 0; entry++) {
    const end = cidEnd(data, keyEnd(data, read))
    if (compareStoredKey(data, read, keyLength) === 0) {
      found = entry
      dropped = end - read
    }
    read = end
  }
  if (found < 0) return false
  if (count === 1) {
    node.slots[index] = undefined
    return true
  }
  const length = bucketEnd(data, slot) - slot - headSize(count) + headSize(count - 1) - dropped
  let at = reserve(node, length)
  data = node.data
  slot = node.slots[index] as number
  const start = at
  at = writeHead(data, at, MAP, count - 1)
  read = slot + headLength(data[slot] as number)
  for (let entry = 0; entry < count; entry++) {
    const end = cidEnd(data, keyEnd(data, read))
    if (entry !== found) {
      data.copyWithin(at, read, end)
      at += end - read
    }
    read = end
  }
  node.slots[index] = start
  node.used = at
  return true
}

/** The entries of the bucket at `at` of `data`: keys, and views of their CIDs' bytes. */
export function bucketEntries(data: Uint8Array, at: number): BucketEntry[] {
  const entries: BucketEntry[] = []
  const count = headValue(data, at)
  at += headLength(data[at] as number)
  for (let entry = 0; entry < count; entry++) {
    const end = keyEnd(data, at)
    entries.push({ key: keyAt(data, at), cid: data.subarray(cidStart(data, end), cidEnd(data, end)) })
    at = cidEnd(data, end)
  }
  return entries
}

/** Writes `entries` (distinct keys, in any order) as the bucket of slot `index`. */
export function writeBucket(node: HamtNode, index: number, entries: readonly BucketEntry[]): void {
  const keyed = entries.map((entry) => ({ bytes: utf8.encode(entry.key), cid: entry.cid }))
  keyed.sort((a, b) => compareBytes(a.bytes, b.bytes))
  let length = headSize(keyed.length)
  for (const { bytes, cid } of keyed) length += headSize(bytes.length) + bytes.length + linkSize(cid.length)
  let at = reserve(node, length)
  const data = node.data
  node.slots[index] = at
  at = writeHead(data, at, MAP, keyed.length)
  for (const { bytes, cid } of keyed) at = writeEntry(data, at, bytes, bytes.length, cid)
  node.used = at
}

/** DAG-CBOR's order of map keys: by length, then bytewise. */
function compareBytes(x: Uint8Array, y: Uint8Array): number {
  if (x.length !== y.length) return x.length - y.length
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return 0
}
