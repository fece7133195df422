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
  concatChunks,
  DAG_PB,
  readUnixFsFile,
  spansSeveralChunks,
  writeUnixFsFile,
} from '@hamt/unixfs'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'

const IDENTITY = 0x00

/** The part of an `interface-blockstore` {@link BlockstoreCAS} uses. */
export type BlockstoreLike = Pick<Blockstore, 'get' | 'put' | 'has'>

/** Options of {@link BlockstoreCAS}. */
export interface BlockstoreCASOptions {
  /** How errors name this store, e.g. `blockstore-fs at /data`. Default `'blockstore'`. */
  name?: string
}

/**
 * A {@link ContentAddressedStore} over any `interface-blockstore` (blockstore-fs, blockstore-idb,
 * blockstore-level, blockstore-core's MemoryBlockstore, a Helia node's `helia.blockstore`, …), with
 * the CIDs Kubo gives: a value of up to 1 MiB is one block, a CIDv1 with the codec asked for and a
 * BLAKE3 multihash; a larger value is stored as the UnixFS file Kubo's `add` makes with py-hamt's
 * settings, and named by its dag-pb root. A HAMT therefore has the same root CID here, in
 * `InMemoryCAS` and on Kubo, and the blocks can be served to IPFS peers as they are.
 *
 * Reads go to the blockstore as they are: a Helia blockstore fetches missing blocks from peers (and
 * checks them against their CIDs); a local one trusts its disk. The blockstore must be open.
 *
 * @example
 * ```ts
 * const cas = new BlockstoreCAS(new MemoryBlockstore())
 * const cid = await cas.save(new TextEncoder().encode('hello'), 'raw')
 * await cas.load(cid, { offset: 1, length: 3 }) // 'ell'
 * ```
 */
export class BlockstoreCAS implements ContentAddressedStore, BlockReader, BlockWriter {
  /** The blockstore the blocks are kept in. */
  readonly blockstore: BlockstoreLike
  readonly #name: string

  constructor(blockstore: BlockstoreLike, options: BlockstoreCASOptions = {}) {
    if (
      blockstore === null ||
      typeof blockstore !== 'object' ||
      typeof blockstore.get !== 'function' ||
      typeof blockstore.put !== 'function' ||
      typeof blockstore.has !== 'function'
    ) {
      throw new InvalidOptionError('blockstore must be an interface-blockstore (with get, put and has)')
    }
    this.blockstore = blockstore
    this.#name = options.name ?? 'blockstore'
  }

  /**
   * Stores a copy of `data` and returns its CID: CIDv1, `codec`, BLAKE3 for up to 1 MiB; above that
   * the dag-pb CID of the UnixFS file, whose blocks are all written before it is returned.
   *
   * @throws {InvalidOptionError} for a codec other than `'raw'` or `'dag-cbor'`, or data that is not
   * a `Uint8Array`.
   */
  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    checkSaveInput(data, codec)
    // A copy: some blockstores (MemoryBlockstore, so Helia's default) keep the array they are given,
    // and a caller changing it later must not change a block under its CID. The importer cuts a large
    // value into views of the array it is given, so that is a copy too.
    const bytes = data.slice()
    if (spansSeveralChunks(bytes.length)) return writeUnixFsFile(bytes, this, options)
    const cid = blake3Cid(bytes, codec)
    await this.putBlock(cid, bytes, options)
    return cid
  }

  /**
   * Returns the bytes saved under `id`, or the range of them. For a dag-pb CID (a value over 1 MiB)
   * only the blocks the range covers are read.
   *
   * @throws {BlockNotFoundError} when a block is not in the blockstore.
   * @throws {InvalidRangeError} for a malformed range or one starting past the end.
   * @throws {NotAUnixFsFileError} (from `@hamt/unixfs`) for a dag-pb CID that is not a UnixFS file.
   */
  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const cid = checkCid(id)
    if (cid.code === DAG_PB) return readUnixFsFile(cid, this, range, options)
    return sliceRange(await this.loadBlock(cid, options), range)
  }

  /**
   * The bytes of one block as stored (for a dag-pb CID, the UnixFS node, not the file).
   *
   * @throws {BlockNotFoundError} when the blockstore does not have it.
   */
  async loadBlock(id: CID, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const cid = checkCid(id)
    // An identity CID holds its bytes; blockstores need not know it.
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    const chunks: Uint8Array[] = []
    try {
      for await (const chunk of this.blockstore.get(cid, signalOnly(options))) chunks.push(chunk)
    } catch (error) {
      if (error instanceof Error && error.name === 'NotFoundError') {
        throw new BlockNotFoundError(cid, this.#name, { cause: error })
      }
      throw error
    }
    return concatChunks(chunks)
  }

  /** Stores one block under `cid`, which must already name `bytes` (no check is made). */
  async putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    await this.blockstore.put(cid, bytes, signalOnly(options))
  }

  /** Whether the blockstore has the block `id` (for a dag-pb CID: the file's root block). */
  async has(id: CID, options?: CallOptions): Promise<boolean> {
    const cid = checkCid(id)
    if (cid.multihash.code === IDENTITY) return true
    return await this.blockstore.has(cid, signalOnly(options))
  }
}

function checkCid(id: CID): CID {
  const cid = CID.asCID(id)
  if (cid === null) throw new InvalidOptionError('id must be a CID')
  return cid
}

function signalOnly(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal }
}
