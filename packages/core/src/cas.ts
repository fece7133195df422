import type { CID } from 'multiformats/cid'
import { InvalidOptionError, InvalidRangeError } from './errors.js'

/** How a block is labelled in its CID: opaque bytes, or IPLD data that may link to other blocks. */
export type Codec = 'raw' | 'dag-cbor'

/**
 * A byte range of a stored block: `{ offset, length? }` reads from `offset` (to the end when `length`
 * is omitted); `{ suffix }` reads the last `suffix` bytes. Ranges that run past the end are clipped,
 * like HTTP ranges; an `offset` past the end is an {@link InvalidRangeError}.
 */
export type ByteRange =
  | {
      /** First byte, from 0. */
      offset: number
      /** Bytes from `offset`; without it, to the end. */
      length?: number
    }
  | {
      /** The last `suffix` bytes (all of them when the data is shorter). */
      suffix: number
    }

/** Options every store call accepts. */
export interface CallOptions {
  /** Aborts the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * A content-addressed store: the one thing a backend implements to hold a HAMT.
 *
 * `save` must be deterministic in the sense that matters for wire compatibility: the CID it returns
 * names the bytes (for py-hamt compatibility, a CIDv1 with a blake3 multihash, as Kubo returns for
 * blocks up to its chunk size). `load` must return exactly the bytes saved under that CID, or the
 * requested range of them. Returned bytes are to be treated as read-only.
 */
export interface ContentAddressedStore {
  /** Stores `data` and returns its CID, labelled with `codec`. */
  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID>
  /** Returns the bytes of `id`, or the given range of them. */
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array>
  /**
   * Optional, for stores behind a network: the block `root` and the blocks met following the IPLD
   * `path` from it (list indices and map keys of DAG-CBOR data; links on the way and at the end are
   * followed), in one round trip: a trustless gateway's CAR for `/ipfs/{root}/{path}`. A reader of a
   * remote HAMT fetches a key's whole chain of nodes this way instead of one request per level.
   *
   * Resolves with `root`'s block first, then the blocks of the path that came with it, in any order;
   * a path that ends early (in a bucket, an empty slot) is no error, and a store may return fewer
   * blocks than the path holds (at the least `root`'s). Every block must match its CID: callers use
   * them as they would the answers of `load`.
   *
   * @throws what `load(root)` throws when `root`'s block cannot be had.
   */
  loadPath?(root: CID, path: readonly string[], options?: CallOptions): Promise<readonly Block[]>
}

/** A block of a store: its CID and its bytes (to be treated as read-only). */
export interface Block {
  /** The block's CID. */
  readonly cid: CID
  /** The block's bytes. */
  readonly bytes: Uint8Array
}

/**
 * Checks a {@link ByteRange} and returns the absolute `[start, end)` it covers in `size` bytes.
 * Backends use this so every store clips and rejects ranges the same way.
 */
export function resolveRange(
  range: ByteRange,
  size: number,
): {
  /** First byte of the range. */
  start: number
  /** Byte after the last one of the range (at most `size`). */
  end: number
} {
  if ('suffix' in range) {
    if (!Number.isSafeInteger(range.suffix) || range.suffix < 0) {
      throw new InvalidRangeError(`suffix must be a non-negative integer, got ${String(range.suffix)}`)
    }
    return { start: Math.max(0, size - range.suffix), end: size }
  }
  const { offset, length } = range
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidRangeError(`offset must be a non-negative integer, got ${String(offset)}`)
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new InvalidRangeError(`length must be a non-negative integer, got ${String(length)}`)
  }
  if (offset > size) {
    throw new InvalidRangeError(`offset ${offset} is past the end of ${size} bytes`)
  }
  return { start: offset, end: length === undefined ? size : Math.min(size, offset + length) }
}

/** Returns the part of `bytes` that `range` selects (a view, not a copy). */
export function sliceRange(bytes: Uint8Array, range: ByteRange | undefined): Uint8Array {
  if (range === undefined) return bytes
  const { start, end } = resolveRange(range, bytes.length)
  return bytes.subarray(start, end)
}

/**
 * Checks the arguments of a {@link ContentAddressedStore.save} as every store of this project does,
 * for stores that may be called from untyped code.
 *
 * @throws {InvalidOptionError} for a codec other than `'raw'` or `'dag-cbor'`, or data that is not a
 * `Uint8Array`.
 */
export function checkSaveInput(data: unknown, codec: unknown): asserts data is Uint8Array {
  if (codec !== 'raw' && codec !== 'dag-cbor') {
    throw new InvalidOptionError(`codec must be 'raw' or 'dag-cbor', got ${JSON.stringify(codec)}`)
  }
  if (!(data instanceof Uint8Array)) throw new InvalidOptionError('data must be a Uint8Array')
}
