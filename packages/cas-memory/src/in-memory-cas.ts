import {
  BlockNotFoundError,
  type ByteRange,
  blake3Cid,
  type CallOptions,
  type Codec,
  type ContentAddressedStore,
  checkSaveInput,
  InvalidOptionError,
  sliceRange,
} from '@hamt/core'
import {
  type BlockReader,
  type BlockWriter,
  DAG_PB,
  readUnixFsFile,
  spansSeveralChunks,
  writeUnixFsFile,
} from '@hamt/unixfs'
import { CID } from 'multiformats/cid'
import { BlockIndex } from './block-index.js'

/**
 * A {@link ContentAddressedStore} in memory. `save` returns what Kubo's `add` returns with py-hamt's
 * settings: for up to 1 MiB a CIDv1 with the requested codec and a BLAKE3-256 multihash; above that
 * the dag-pb CID of the UnixFS file Kubo makes (1 MiB raw leaves, balanced, 174 links a node, all
 * BLAKE3), whose blocks are kept here too. So a HAMT built here has the same root CID as the same
 * HAMT built on IPFS.
 *
 * Blocks are keyed by multihash, as Kubo keys them, so a CID relabelled with another codec still
 * loads (except as dag-pb: a dag-pb CID is read as the UnixFS file it names). Saved bytes are
 * copied; loaded bytes are views to be treated as read-only.
 *
 * @example
 * ```ts
 * const cas = new InMemoryCAS()
 * const cid = await cas.save(new TextEncoder().encode('hello'), 'raw')
 * await cas.load(cid, { offset: 1, length: 3 }) // 'ell'
 * ```
 */
export class InMemoryCAS implements ContentAddressedStore, BlockReader, BlockWriter {
  readonly #blocks = new BlockIndex()
  #bytes = 0

  /** Number of distinct blocks held (a value over 1 MiB is several). */
  get blockCount(): number {
    return this.#blocks.count
  }

  /** Total bytes of the blocks held. */
  get byteLength(): number {
    return this.#bytes
  }

  /**
   * Stores a copy of `data`.
   *
   * @throws {InvalidOptionError} for a codec other than `'raw'` or `'dag-cbor'`, or data that is not
   * a `Uint8Array`.
   */
  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    checkSaveInput(data, codec)
    // The importer cuts the value into views of the array it is given: give it a copy.
    if (spansSeveralChunks(data.length)) return writeUnixFsFile(data.slice(), this, options)
    const cid = blake3Cid(data, codec)
    this.#add(cid, data)
    return cid
  }

  /** Stores a copy of one block under `cid`, which must already name `bytes` (no check is made). */
  async putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    this.#add(cid, bytes)
  }

  /**
   * The bytes of one block as held: for a dag-pb CID, the UnixFS node rather than the file.
   *
   * @throws {BlockNotFoundError} when no block has the CID's multihash.
   */
  async loadBlock(id: CID, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    return this.#block(id)
  }

  #block(id: CID): Uint8Array {
    const cid = CID.asCID(id)
    if (cid === null) throw new InvalidOptionError('id must be a CID')
    const block = this.#blocks.get(cid.bytes, multihashStart(cid))
    if (block === undefined) throw new BlockNotFoundError(cid, 'InMemoryCAS')
    return block
  }

  #add(cid: CID, bytes: Uint8Array): void {
    if (this.#blocks.add(cid.multihash.bytes, bytes)) this.#bytes += bytes.length
  }

  /**
   * Returns the saved bytes, or the range of them. For a dag-pb CID (a value over 1 MiB) only the
   * leaves the range covers are read.
   *
   * @throws {BlockNotFoundError} when no block has the CID's multihash.
   * @throws {InvalidRangeError} for a malformed range or one starting past the end.
   * @throws {NotAUnixFsFileError} (from `@hamt/unixfs`) for a dag-pb CID that is not a UnixFS file.
   */
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    // Not async: a block's answer is at hand, and this is half of every warm HAMT get.
    try {
      options?.signal?.throwIfAborted()
      const block = this.#block(id)
      if (id.code === DAG_PB) return readUnixFsFile(id, this, range, options)
      return Promise.resolve(sliceRange(block, range))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Whether a block with this CID's multihash is held. */
  has(id: CID): boolean {
    return this.#blocks.get(id.bytes, multihashStart(id)) !== undefined
  }
}

/**
 * Where a CID's multihash starts in its bytes: after the version and codec of a CIDv1 (one byte each
 * for every codec below 0x80), at once in a CIDv0. Reading it there spares a random read of the
 * multihash object on every load.
 */
function multihashStart(cid: CID): number {
  const bytes = cid.bytes
  if (cid.version === 1 && (bytes[1] as number) < 0x80) return 2
  return bytes.length - cid.multihash.bytes.length
}
