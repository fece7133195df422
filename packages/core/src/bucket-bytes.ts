import type { CID } from 'multiformats/cid'
import { cidEnd, cidStart, copiedCid, headLength, headValue, keyAt, keyEnd } from './node-bytes.js'

// A bucket as both modes hold it: its DAG-CBOR bytes, a map head then `key: CID` entries in DAG-CBOR
// order, read in place from the block (read-only mode) or from a node's arena (write mode, see
// bucket-writer.ts). These readers check nothing: the bytes were checked by node-parser.ts or written
// by bucket-writer.ts.

/** What a walk over a tree's buckets reads of each. */
export interface BucketView {
  /** Number of keys. */
  readonly size: number
  /** The keys. */
  keys(): IterableIterator<string>
  /** The keys with the CIDs of their values. */
  [Symbol.iterator](): IterableIterator<[string, CID]>
}

/** Number of entries in the bucket at `at`. */
export function bucketSize(bytes: Uint8Array, at: number): number {
  return headValue(bytes, at)
}

/** Where the bucket at `at` ends. */
export function bucketEnd(bytes: Uint8Array, at: number): number {
  const count = headValue(bytes, at)
  at += headLength(bytes[at] as number)
  for (let entry = 0; entry < count; entry++) at = cidEnd(bytes, keyEnd(bytes, at))
  return at
}

/**
 * Where the link of `key`'s entry in the bucket at `at` starts (its value's CID), or -1. `key` is
 * compared with the stored UTF-8 bytes; `keyBytes`, when the key is not ASCII, are its UTF-8 bytes (an
 * ASCII key is compared code unit by code unit, with no bytes made).
 */
export function findEntry(bytes: Uint8Array, at: number, key: string, keyBytes: Uint8Array | undefined): number {
  const count = headValue(bytes, at)
  at += headLength(bytes[at] as number)
  const length = keyBytes === undefined ? key.length : keyBytes.length
  for (let entry = 0; entry < count; entry++) {
    const end = keyEnd(bytes, at)
    if (headValue(bytes, at) === length && sameKey(bytes, end - length, key, keyBytes)) return end
    at = cidEnd(bytes, end)
  }
  return -1
}

function sameKey(bytes: Uint8Array, start: number, key: string, keyBytes: Uint8Array | undefined): boolean {
  if (keyBytes === undefined) {
    for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false
    return true
  }
  for (let i = 0; i < keyBytes.length; i++) if (bytes[start + i] !== keyBytes[i]) return false
  return true
}

const utf8 = new TextEncoder()

/** The UTF-8 bytes of a key that is not all ASCII; `undefined` for ASCII, compared as it is. */
export function nonAsciiBytes(key: string): Uint8Array | undefined {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return utf8.encode(key)
  return undefined
}

/** The bucket at `at` of `bytes`, read as it is walked: keys and CIDs made only when asked for. */
export class EncodedBucket implements BucketView {
  constructor(
    readonly bytes: Uint8Array,
    readonly at: number,
  ) {}

  /** Number of keys. */
  get size(): number {
    return headValue(this.bytes, this.at)
  }

  /** The keys, in stored order. */
  *keys(): IterableIterator<string> {
    const bytes = this.bytes
    let at = this.at
    const count = headValue(bytes, at)
    at += headLength(bytes[at] as number)
    for (let entry = 0; entry < count; entry++) {
      yield keyAt(bytes, at)
      at = cidEnd(bytes, keyEnd(bytes, at))
    }
  }

  /** The keys with the CIDs of their values (CIDs of their own, which keep no block alive). */
  *[Symbol.iterator](): IterableIterator<[string, CID]> {
    const bytes = this.bytes
    let at = this.at
    const count = headValue(bytes, at)
    at += headLength(bytes[at] as number)
    for (let entry = 0; entry < count; entry++) {
      const end = keyEnd(bytes, at)
      yield [keyAt(bytes, at), copiedCid(bytes, cidStart(bytes, end), cidEnd(bytes, end))]
      at = cidEnd(bytes, end)
    }
  }
}
