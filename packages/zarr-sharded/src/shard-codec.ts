import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { ShardedZarrError } from './errors.js'

/**
 * A shard is a DAG-CBOR list of CIDs (tag 42 over a byte string 0x00 ‖ CID) and nulls. These
 * readers walk its bytes without building the list, so one entry of 6,250 costs a scan, not 6,250
 * CID objects.
 */

const NULL = 0xf6
const TAG_42_1 = 0xd8
const TAG_42_2 = 0x2a

/** Bytes of a CBOR head's argument (additional info 24..27), or 0 for an immediate one. */
function argumentBytes(info: number): number {
  if (info < 24) return 0
  if (info === 24) return 1
  if (info === 25) return 2
  if (info === 26) return 4
  if (info === 27) return 8
  return -1
}

function readArgument(bytes: Uint8Array, at: number, info: number): { value: number; next: number } {
  const n = argumentBytes(info)
  if (n < 0) throw new RangeError('indefinite or reserved length')
  if (n === 0) return { value: info, next: at }
  if (at + n > bytes.length) throw new RangeError('truncated')
  let value = 0
  for (let i = 0; i < n; i++) value = value * 256 + (bytes[at + i] as number)
  return { value, next: at + n }
}

/** Entry count of a shard and where its first entry starts. */
export function readShardHeader(bytes: Uint8Array): { count: number; first: number } {
  const head = bytes[0]
  if (head === undefined || head >> 5 !== 4) throw new RangeError('not a DAG-CBOR list')
  const { value, next } = readArgument(bytes, 1, head & 0x1f)
  return { count: value, first: next }
}

/** Where the entry starting at `at` ends: a null or a CID link, nothing else. */
function entryEnd(bytes: Uint8Array, at: number): number {
  const head = bytes[at]
  if (head === NULL) return at + 1
  if (head !== TAG_42_1 || bytes[at + 1] !== TAG_42_2)
    throw new RangeError(`entry at byte ${at} is neither a CID nor null`)
  const strHead = bytes[at + 2]
  if (strHead === undefined || strHead >> 5 !== 2) throw new RangeError(`entry at byte ${at} is a malformed CID`)
  const { value, next } = readArgument(bytes, at + 3, strHead & 0x1f)
  const end = next + value
  if (end > bytes.length) throw new RangeError('truncated')
  return end
}

function entryAt(bytes: Uint8Array, at: number, end: number): CID | null {
  if (bytes[at] === NULL) return null
  const { next } = readArgument(bytes, at + 3, (bytes[at + 2] as number) & 0x1f)
  if (bytes[next] !== 0x00) throw new RangeError(`CID at byte ${at} lacks its 0x00 prefix`)
  return CID.decode(bytes.subarray(next + 1, end))
}

/** Entry `index` of a shard, found by skipping the ones before it. */
export function decodeShardEntry(bytes: Uint8Array, index: number): CID | null {
  const { count, first } = readShardHeader(bytes)
  if (index < 0 || index >= count) throw new RangeError(`entry ${index} of a ${count}-entry shard`)
  let at = first
  for (let i = 0; i < index; i++) at = entryEnd(bytes, at)
  return entryAt(bytes, at, entryEnd(bytes, at))
}

/** Start offsets of every entry, plus the end of the last one: a full decode that keeps no CID objects. */
export function indexShardEntries(bytes: Uint8Array): Uint32Array {
  const { count, first } = readShardHeader(bytes)
  const offsets = new Uint32Array(count + 1)
  let at = first
  for (let i = 0; i < count; i++) {
    offsets[i] = at
    at = entryEnd(bytes, at)
  }
  offsets[count] = at
  if (at !== bytes.length) throw new RangeError('bytes after the list')
  return offsets
}

/** Entry `index` through an offsets table built by {@link indexShardEntries}. */
export function entryByOffsets(bytes: Uint8Array, offsets: Uint32Array, index: number): CID | null {
  return entryAt(bytes, offsets[index] as number, offsets[index + 1] as number)
}

/** Every entry of a shard as CIDs and nulls (for editing it). */
export function decodeShard(bytes: Uint8Array): (CID | null)[] {
  const offsets = indexShardEntries(bytes)
  const entries = new Array<CID | null>(offsets.length - 1)
  for (let i = 0; i < entries.length; i++) entries[i] = entryByOffsets(bytes, offsets, i)
  return entries
}

/** A shard's block: canonical DAG-CBOR, as py-hamt's `dag_cbor.encode` writes it. */
export function encodeShard(entries: readonly (CID | null)[]): Uint8Array {
  return dagCbor.encode(entries)
}

/** Wraps a codec failure as the typed error naming the shard. */
export function shardFormatError(cid: CID, arrayPath: string, reason: string, cause?: unknown): ShardedZarrError {
  return new ShardedZarrError(
    'ERR_SHARD_FORMAT',
    `shard ${cid.toString()} of array ${JSON.stringify(arrayPath)} is not a list of CIDs and nulls: ${reason}`,
    { cid },
    cause === undefined ? undefined : { cause },
  )
}
