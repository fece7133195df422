import { CID } from 'multiformats/cid'
import { InvalidNodeError } from './errors.js'
import { cidEnd, cidStart, headLength, headValue } from './node-bytes.js'

/** Slots in a node: 8 bits of the key hash pick one. */
export const SLOT_COUNT = 256

const ARRAY_OF_256 = [0x99, 0x01, 0x00]
const EMPTY_MAP = 0xa0
const ARRAY_OF_1 = 0x81
const MAJOR_ARRAY = 4
const MAJOR_MAP = 5
const MAJOR_TEXT = 3
const MAJOR_BYTES = 2

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Checks that `bytes` is a py-hamt node in the one form every writer produces, the canonical DAG-CBOR
 * of an array of 256 slots (`{}`, `{key: CID, …}` with keys in DAG-CBOR order, or `[CID]`), and
 * returns where each slot starts. Reading the bytes in place is what makes warm reads cheap; refusing
 * every other form (non-minimal heads, unsorted or duplicate keys, text that is not UTF-8, trailing
 * bytes) keeps a block from being read differently from what its CID says.
 *
 * @param starts - filled with the slot offsets (so a caller can place it next to the bytes).
 * @throws {InvalidNodeError} naming `cid` when the bytes are anything else.
 */
export function parseNode(bytes: Uint8Array, cid: CID, starts = new Uint32Array(SLOT_COUNT)): Uint32Array {
  checkArrayHead(bytes, cid)
  let at = ARRAY_OF_256.length
  for (let index = 0; index < SLOT_COUNT; index++) {
    starts[index] = at
    at = slotEnd(bytes, at, index, cid)
  }
  if (at !== bytes.length) throw new InvalidNodeError(cid, 'not DAG-CBOR (bytes after the end of the node)')
  return starts
}

function checkArrayHead(bytes: Uint8Array, cid: CID): void {
  if (bytes[0] === ARRAY_OF_256[0] && bytes[1] === ARRAY_OF_256[1] && bytes[2] === ARRAY_OF_256[2]) return
  const first = bytes[0]
  if (first === undefined) throw new InvalidNodeError(cid, 'not DAG-CBOR (no bytes)')
  if (first >> 5 === MAJOR_ARRAY && headLength(first) !== 0 && headLength(first) <= bytes.length) {
    if (headValue(bytes, 0) === SLOT_COUNT) throw new InvalidNodeError(cid, 'it is not in canonical DAG-CBOR form')
  }
  throw new InvalidNodeError(cid, `expected an array of ${SLOT_COUNT} slots`)
}

/** Where slot `index`, starting at `at`, ends. */
function slotEnd(bytes: Uint8Array, at: number, index: number, cid: CID): number {
  const first = bytes[at]
  if (first === undefined) throw truncated(cid, index)
  if (first === EMPTY_MAP) return at + 1
  if (first === ARRAY_OF_1) {
    const end = linkEnd(bytes, at + 1, index, cid)
    if (end < 0) throw new InvalidNodeError(cid, `slot ${index} is neither a bucket nor a link`)
    return end
  }
  if (first >> 5 !== MAJOR_MAP) throw new InvalidNodeError(cid, `slot ${index} is neither a bucket nor a link`)
  const count = minimalHead(bytes, at, index, cid)
  at += headLength(first)
  let previousKey = -1
  for (let entry = 0; entry < count; entry++) {
    const keyHead = bytes[at]
    if (keyHead === undefined) throw truncated(cid, index)
    if (keyHead >> 5 !== MAJOR_TEXT) throw notStringToCid(cid, index)
    const keyLength = minimalHead(bytes, at, index, cid)
    const keyStart = at + headLength(keyHead)
    const keyEnd = keyStart + keyLength
    if (keyEnd > bytes.length) throw truncated(cid, index)
    if (!isUtf8(bytes, keyStart, keyEnd)) {
      throw new InvalidNodeError(cid, `slot ${index} holds a key that is not valid UTF-8`)
    }
    if (previousKey >= 0 && !keyAfter(bytes, previousKey, at)) {
      throw new InvalidNodeError(cid, `the keys of the bucket in slot ${index} are not in DAG-CBOR order`)
    }
    previousKey = at
    at = linkEnd(bytes, keyEnd, index, cid)
    if (at < 0) throw notStringToCid(cid, index)
  }
  return at
}

/**
 * Where the tag-42 link at `at` ends; -1 when there is no tag 42 there. A CID that is not one
 * `CID.decode` reads back to the same bytes is refused.
 */
function linkEnd(bytes: Uint8Array, at: number, index: number, cid: CID): number {
  if (at + 3 > bytes.length) throw truncated(cid, index)
  if (bytes[at] !== 0xd8 || bytes[at + 1] !== 0x2a) return -1
  const head = bytes[at + 2] as number
  if (head >> 5 !== MAJOR_BYTES) return -1
  const length = minimalHead(bytes, at + 2, index, cid)
  const end = cidEnd(bytes, at)
  if (end > bytes.length) throw truncated(cid, index)
  const start = cidStart(bytes, at)
  if (length === 0 || bytes[start - 1] !== 0) {
    throw new InvalidNodeError(cid, 'not DAG-CBOR (a CID under tag 42 that lacks its leading 0x00)')
  }
  if (!isFastCid(bytes, start, end)) {
    let read: CID
    try {
      read = CID.decode(bytes.subarray(start, end))
    } catch (cause) {
      throw new InvalidNodeError(cid, `not DAG-CBOR (${(cause as Error).message})`, { cause })
    }
    if (!sameBytes(read.bytes, bytes, start, end))
      throw new InvalidNodeError(cid, 'it is not in canonical DAG-CBOR form')
  }
  return end
}

/** A CIDv1 whose version, codec, hash code and digest length are one byte each, with the whole digest. */
function isFastCid(bytes: Uint8Array, start: number, end: number): boolean {
  return (
    bytes[start] === 1 &&
    (bytes[start + 1] as number) < 0x80 &&
    (bytes[start + 2] as number) < 0x80 &&
    (bytes[start + 3] as number) < 0x80 &&
    end - start === 4 + (bytes[start + 3] as number)
  )
}

/** The number in the head at `at`, which must be complete, definite and as short as it can be. */
function minimalHead(bytes: Uint8Array, at: number, index: number, cid: CID): number {
  const length = headLength(bytes[at] as number)
  if (length === 0) throw new InvalidNodeError(cid, `not DAG-CBOR (slot ${index} has an indefinite or 64-bit head)`)
  if (at + length > bytes.length) throw truncated(cid, index)
  const value = headValue(bytes, at)
  const least = length === 1 ? 0 : length === 2 ? 24 : length === 3 ? 0x100 : 0x10000
  if (value < least) throw new InvalidNodeError(cid, 'it is not in canonical DAG-CBOR form')
  return value
}

/** Whether the text key at `later` sorts after the one at `earlier`: DAG-CBOR's order, length first. */
function keyAfter(bytes: Uint8Array, earlier: number, later: number): boolean {
  const x = headValue(bytes, earlier)
  const y = headValue(bytes, later)
  if (x !== y) return x < y
  const a = earlier + headLength(bytes[earlier] as number)
  const b = later + headLength(bytes[later] as number)
  for (let i = 0; i < x; i++) {
    const d = (bytes[a + i] as number) - (bytes[b + i] as number)
    if (d !== 0) return d < 0
  }
  return false
}

function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let ascii = true
  for (let i = start; ascii && i < end; i++) ascii = (bytes[i] as number) < 0x80
  if (ascii) return true
  try {
    fatalUtf8.decode(bytes.subarray(start, end))
    return true
  } catch {
    return false
  }
}

function sameBytes(x: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (x.length !== end - start) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== bytes[start + i]) return false
  return true
}

function truncated(cid: CID, index: number): InvalidNodeError {
  return new InvalidNodeError(cid, `not DAG-CBOR (the bytes end inside slot ${index})`)
}

function notStringToCid(cid: CID, index: number): InvalidNodeError {
  return new InvalidNodeError(cid, `slot ${index} holds a bucket entry that is not string → CID`)
}
