import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  BlockNotFoundError,
  type ByteRange,
  blake3Hasher,
  type CallOptions,
  CID,
  type Codec,
  type ContentAddressedStore,
  checkSaveInput,
  InvalidOptionError,
  sliceRange,
} from '@hamt/core'
import { equals } from 'multiformats/bytes'
import type { MultihashHasher } from 'multiformats/hashes/interface'
import { sha256 } from 'multiformats/hashes/sha2'
import pLimit, { type LimitFunction } from 'p-limit'
import { BlockCorruptedError, BlockPathError, UnsupportedHashError } from './errors.js'

/** Hash functions a {@link FileSystemCAS} can name new blocks with. */
export type FileSystemHash = 'blake3' | 'sha2-256'

/** Options of {@link FileSystemCAS}. */
export interface FileSystemCASOptions {
  /** Directory that holds the store; created on first write. */
  directory: string
  /**
   * Hash of new blocks' CIDs. `'blake3'` (default) gives the CIDs Kubo and py-hamt give, so a HAMT
   * has the same root CID here as on IPFS. Blocks of either hash are read and verified.
   */
  hash?: FileSystemHash
  /** File operations in flight at once; bounds open file handles. Default 64. */
  concurrency?: number
}

/** How many blocks a store holds and their total size. */
export interface FileSystemCASStats {
  blocks: number
  bytes: number
}

const CODEC_CODES: Readonly<Record<Codec, number>> = { raw: 0x55, 'dag-cbor': 0x71 }
const HASHERS: Readonly<Record<FileSystemHash, MultihashHasher<number>>> = { blake3: blake3Hasher, 'sha2-256': sha256 }
const VERIFIERS: ReadonlyMap<number, MultihashHasher<number>> = new Map<number, MultihashHasher<number>>([
  [blake3Hasher.code, blake3Hasher],
  [sha256.code, sha256],
])
const REF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/**
 * A {@link ContentAddressedStore} in a directory: every block is a file named by its CID, under
 * `blocks/<shard>/`, where the shard is two characters of the CID near its end (as Kubo's flatfs
 * does), so no directory grows too large.
 *
 * - Writes are atomic: a block is written to `tmp/` and renamed into place, so a crash never leaves a
 *   half-written block under a CID.
 * - Reads are verified: the bytes are hashed again and must match the CID, otherwise
 *   {@link BlockCorruptedError}. A range read verifies the whole block before slicing it.
 * - Named roots (`setRef` / `getRef`) let a program find its dataset again after a restart.
 *
 * Written only against `@hamt/core`'s interface: the model for plugging in one's own backend.
 */
export class FileSystemCAS implements ContentAddressedStore {
  /** The store's directory. */
  readonly directory: string
  /** Hash of new blocks' CIDs. */
  readonly hash: FileSystemHash

  readonly #hasher: MultihashHasher<number>
  readonly #limit: LimitFunction
  readonly #madeDirs = new Map<string, Promise<unknown>>()

  constructor(options: FileSystemCASOptions) {
    if (typeof options?.directory !== 'string' || options.directory === '') {
      throw new InvalidOptionError('directory must be a non-empty path')
    }
    const hash = options.hash ?? 'blake3'
    const hasher = HASHERS[hash]
    if (hasher === undefined) {
      throw new InvalidOptionError(`hash must be 'blake3' or 'sha2-256', got ${JSON.stringify(hash)}`)
    }
    const concurrency = options.concurrency ?? 64
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionError(`concurrency must be a positive integer, got ${String(concurrency)}`)
    }
    this.directory = path.resolve(options.directory)
    this.hash = hash
    this.#hasher = hasher
    this.#limit = pLimit(concurrency)
  }

  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    checkSaveInput(data, codec)
    const code = CODEC_CODES[codec]
    // The caller may reuse its buffer while this save waits for a file handle: hash and write one
    // private copy, so the file always holds exactly the bytes its name was computed from.
    const bytes = data.slice()
    const cid = CID.createV1(code, await this.#hasher.digest(bytes))
    const file = this.#blockPath(cid)
    await this.#limit(async () => {
      // A block already present is kept only if it still verifies; a damaged one is replaced.
      if (await this.#holdsBlock(file, cid)) return
      await this.#writeAtomically(file, bytes, options?.signal)
    })
    return cid
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const cid = CID.asCID(id)
    if (cid === null) throw new InvalidOptionError('id must be a CID')
    const hasher = VERIFIERS.get(cid.multihash.code)
    if (hasher === undefined) throw new UnsupportedHashError(cid)
    const file = this.#blockPath(cid)
    const bytes = await this.#limit(async () => {
      try {
        return await readFile(file, { signal: options?.signal })
      } catch (error) {
        if (isCode(error, 'ENOENT')) throw new BlockNotFoundError(cid, `FileSystemCAS at ${this.directory}`)
        if (isCode(error, 'EISDIR')) throw new BlockPathError(cid, file)
        throw error
      }
    })
    if (!(await verifies(bytes, cid, hasher))) throw new BlockCorruptedError(cid, file)
    return sliceRange(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), range)
  }

  /** Whether a block file for `id` exists (its bytes are not checked). */
  async has(id: CID): Promise<boolean> {
    return isFile(this.#blockPath(id))
  }

  /**
   * Records `cid` under `name` (letters, digits, `.`, `_`, `-`), replacing any earlier value
   * atomically: how a program remembers the root of its dataset across restarts.
   */
  async setRef(name: string, cid: CID): Promise<void> {
    checkRefName(name)
    if (CID.asCID(cid) === null) throw new InvalidOptionError('cid must be a CID')
    await this.#writeAtomically(path.join(this.directory, 'refs', name), new TextEncoder().encode(`${cid}\n`))
  }

  /** The CID recorded under `name`, or `undefined` when there is none. */
  async getRef(name: string): Promise<CID | undefined> {
    checkRefName(name)
    let text: string
    try {
      text = await readFile(path.join(this.directory, 'refs', name), 'utf8')
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined
      throw error
    }
    try {
      return CID.parse(text.trim())
    } catch (cause) {
      throw new InvalidOptionError(
        `ref ${JSON.stringify(name)} in ${this.directory} does not hold a CID: ${String(cause)}`,
      )
    }
  }

  /** Counts the blocks and their bytes (walks the directory). */
  async stats(): Promise<FileSystemCASStats> {
    const result = { blocks: 0, bytes: 0 }
    const root = path.join(this.directory, 'blocks')
    let shards: string[]
    try {
      shards = await readdir(root)
    } catch (error) {
      if (isCode(error, 'ENOENT')) return result
      throw error
    }
    for (const shard of shards) {
      const names = await readdir(path.join(root, shard))
      const sizes = await Promise.all(
        names.map((name) => this.#limit(async () => (await stat(path.join(root, shard, name))).size)),
      )
      result.blocks += names.length
      for (const size of sizes) result.bytes += size
    }
    return result
  }

  /** Whether `file` holds a block that hashes to `cid`; something other than a file there is an error. */
  async #holdsBlock(file: string, cid: CID): Promise<boolean> {
    let bytes: Uint8Array
    try {
      bytes = await readFile(file)
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false
      if (isCode(error, 'EISDIR')) throw new BlockPathError(cid, file)
      throw error
    }
    return verifies(bytes, cid, this.#hasher)
  }

  #blockPath(cid: CID): string {
    const name = cid.toV1().toString()
    return path.join(this.directory, 'blocks', name.slice(-3, -1), name)
  }

  /** Writes into `tmp/` on the same file system, then renames: readers see all of the file or none. */
  async #writeAtomically(file: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    const tmpDir = path.join(this.directory, 'tmp')
    await Promise.all([this.#mkdir(tmpDir), this.#mkdir(path.dirname(file))])
    const tmp = path.join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`)
    try {
      await writeFile(tmp, data, { flag: 'wx', signal })
      await rename(tmp, file)
    } catch (error) {
      await rm(tmp, { force: true })
      throw error
    }
  }

  #mkdir(dir: string): Promise<unknown> {
    let made = this.#madeDirs.get(dir)
    if (made === undefined) {
      made = mkdir(dir, { recursive: true })
      made.catch(() => this.#madeDirs.delete(dir))
      this.#madeDirs.set(dir, made)
    }
    return made
  }
}

function checkRefName(name: string): void {
  if (typeof name !== 'string' || !REF_NAME.test(name)) {
    throw new InvalidOptionError(
      `ref name must be 1-128 letters, digits, '.', '_' or '-' (not starting with '.'), got ${JSON.stringify(name)}`,
    )
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

async function verifies(bytes: Uint8Array, cid: CID, hasher: MultihashHasher<number>): Promise<boolean> {
  if (hasher.code !== cid.multihash.code) return false
  return equals((await hasher.digest(bytes)).digest, cid.multihash.digest)
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code
}
