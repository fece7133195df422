import {
  type Block,
  BlockNotFoundError,
  type ByteRange,
  blake3Hasher,
  type CallOptions,
  type Codec,
  type ContentAddressedStore,
  checkSaveInput,
  InvalidOptionError,
  InvalidRangeError,
  resolveRange,
  sliceRange,
} from '@hamt/core'
import type { MultihashDigest } from 'multiformats/cid'
import { CID } from 'multiformats/cid'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import pLimit from 'p-limit'
import { platformSend } from '#platform-send'
import type { HttpAnswer } from './answer.js'
import { BulkImporter } from './bulk-import.js'
import { entityBytes, isEmptyRange, MAX_BLOCK_BYTES, readVerifiedFile } from './car-file.js'
import {
  ClosedError,
  IntegrityError,
  InvalidResponseError,
  KuboRequestError,
  ResponseTooLargeError,
  UnverifiableError,
} from './errors.js'
import { checkStatus, RequestRunner, type ResponseReader, readCapped } from './http.js'
import {
  checkChunker,
  checkHasher,
  checkNonNegative,
  checkPositiveInteger,
  DEFAULT_RPC_BASE_URL,
  defaultHeaders,
  gatewayUrls,
  type KuboCASOptions,
  normaliseBaseUrl,
} from './options.js'
import { type PathCar, readPathCar } from './path-car.js'
import { kySend, type Send } from './send.js'
import { TargetPool } from './targets.js'
import { canVerify, DAG_PB, mismatch } from './verify.js'

/** Hash functions computed here for bulk writes, by Kubo's name. */
const LOCAL_HASHERS: Readonly<
  Record<string, { digest(data: Uint8Array): Promise<MultihashDigest> | MultihashDigest }>
> = {
  blake3: blake3Hasher,
  'sha2-256': sha256,
  'sha2-512': sha512,
}

/** Largest RPC answer read (`pin/ls` of a node with many pins is the largest). */
const RPC_BODY_LIMIT = 256 * 1024 * 1024
const CAR_ACCEPT = 'application/vnd.ipld.car; version=1; order=dfs; dups=n'
// One object per kind of request: the sender merges each with the default headers once.
const CAR_HEADERS: Readonly<Record<string, string>> = Object.freeze({ Accept: CAR_ACCEPT })
const RAW_HEADERS: Readonly<Record<string, string>> = Object.freeze({ Accept: 'application/vnd.ipld.raw' })
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

/** What an HTTP answer read in full gave. */
interface FullResponse {
  status: number
  body: Uint8Array
}

const CODEC_CODES: Readonly<Record<Codec, number>> = { raw: 0x55, 'dag-cbor': 0x71 }
const IDENTITY = 0x00
/**
 * Most segments {@link KuboCAS.loadPath} takes: a key's whole chain in a HAMT whose hash has 64 bytes
 * (two segments a level). Each segment lets the answer hold one more block of up to 2 MiB.
 */
const MAX_PATH_SEGMENTS = 128

/** Kinds of pin Kubo keeps. */
export type PinType = 'direct' | 'recursive' | 'indirect'

/** One entry of {@link KuboCAS.pinLs}. */
export interface Pin {
  /** The pinned CID. */
  cid: CID
  /** How it is pinned: by itself, with everything it links to, or through a recursive pin's parent. */
  type: PinType
}

/**
 * A {@link ContentAddressedStore} on IPFS, the TypeScript counterpart of py-hamt's `KuboCAS`:
 * `save` adds through a Kubo node's RPC API (`/api/v0/add`), `load` reads through an HTTP gateway
 * (`/ipfs/{cid}`), so read-only use needs only a gateway, from Node or from a browser.
 *
 * Beyond py-hamt: every byte read is checked against its CID (BLAKE3, SHA2-256, SHA2-512), UnixFS
 * files block by block through CARs, and a mismatch is an {@link IntegrityError}; answers are read
 * as bounded streams; several gateways with cooldowns and optional hedging; requests share one
 * concurrency limit, time out (body included), and are retried with backoff on network errors,
 * timeouts, 429 and 5xx; every call takes an `AbortSignal`. {@link KuboCAS.loadPath} reads a chain
 * of blocks (a HAMT key's nodes) in one request, as a CAR for an IPLD path, from gateways built on
 * boxo (Kubo 0.23 and later, rainbow, ipfs.io), and falls back to reading the root alone where a
 * gateway cannot.
 *
 * @example
 * ```ts
 * const cas = new KuboCAS() // a local Kubo: RPC on :5001, gateway on :8080
 * const hamt = await HAMT.build({ cas })
 * await hamt.set('foo', 'bar')
 * await hamt.makeReadOnly()
 * const reader = new KuboCAS({ gatewayBaseUrl: 'https://ipfs.example', trustless: true })
 * const copy = await HAMT.build({ cas: reader, rootNodeId: hamt.rootNodeId, readOnly: true })
 * ```
 */
export class KuboCAS implements ContentAddressedStore, AsyncDisposable {
  /** RPC API base URL, without a trailing slash. */
  readonly rpcBaseUrl: string
  /** The first (preferred) gateway's base URL, without `/ipfs` or a trailing slash. */
  readonly gatewayBaseUrl: string
  /** Every gateway, in order of preference. */
  readonly gatewayBaseUrls: readonly string[]
  /** Multihash name Kubo hashes saved data with. */
  readonly hasher: string
  /** Kubo chunker spec used when saving. */
  readonly chunker: string
  /** Whether `save` pins what it adds. */
  readonly pinOnAdd: boolean
  /** Requests in flight at once, at most. */
  readonly concurrency: number
  /** Whether reads go to a trustless gateway (raw blocks, every byte checked). */
  readonly trustless: boolean
  /** Whether UnixFS files are read as CARs and checked block by block. */
  readonly verifyFiles: boolean

  readonly #runner: RequestRunner
  readonly #gateways: TargetPool
  readonly #rpcPool: TargetPool
  readonly #maxFileBytes: number
  /** Batches saves into `dag/import` CARs, when `bulkWrites` asks for it. */
  readonly #bulk: BulkImporter | undefined
  /** Gateways found not to serve CARs: their files are read unchecked (outside trustless mode). */
  readonly #noCar = new Set<string>()
  /** Gateways found not to serve CARs for a path: `loadPath` reads only the root from them. */
  readonly #noPath = new Set<string>()
  /** The gateways that may serve path CARs, as a pool, and how many were path-less when it was made. */
  #pathGateways: { noPath: number; pool: TargetPool | undefined } | undefined

  constructor(options: KuboCASOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options must be an object')
    this.rpcBaseUrl = normaliseBaseUrl('rpcBaseUrl', options.rpcBaseUrl ?? DEFAULT_RPC_BASE_URL)
    this.gatewayBaseUrls = Object.freeze(gatewayUrls(options))
    this.gatewayBaseUrl = this.gatewayBaseUrls[0] as string
    this.hasher = checkHasher(options.hasher ?? 'blake3')
    this.chunker = checkChunker(options.chunker ?? 'size-1048576')
    this.pinOnAdd = options.pinOnAdd ?? false
    this.trustless = options.trustless ?? false
    this.verifyFiles = options.verifyFiles ?? true
    this.#maxFileBytes = checkPositiveInteger('maxFileBytes', options.maxFileBytes ?? 1024 ** 3, 1)
    this.concurrency = checkPositiveInteger('concurrency', options.concurrency ?? 128, 1)
    const policy = {
      maxRetries: checkPositiveInteger('maxRetries', options.maxRetries ?? 3, 0),
      initialDelayMs: checkNonNegative('initialDelayMs', options.initialDelayMs ?? 1000),
      backoffFactor: checkNonNegative('backoffFactor', options.backoffFactor ?? 2, 1),
      timeoutMs: checkPositiveInteger('timeoutMs', options.timeoutMs ?? 60_000, 1),
      maxRetryAfterMs: checkNonNegative('maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000),
      hedgeDelayMs:
        options.hedgeDelayMs === undefined ? undefined : checkNonNegative('hedgeDelayMs', options.hedgeDelayMs),
    }
    const cooldownMs = checkNonNegative('gatewayCooldownMs', options.gatewayCooldownMs ?? 30_000)
    this.#gateways = new TargetPool(this.gatewayBaseUrls, cooldownMs)
    // One RPC API: nothing to fail over to, so no cooldown.
    this.#rpcPool = new TargetPool([this.rpcBaseUrl], 0)
    let send: Send
    if (options.ky !== undefined) {
      if (options.headers !== undefined || options.auth !== undefined) {
        throw new InvalidOptionError('headers and auth cannot be combined with ky: configure your ky instance instead')
      }
      if (typeof options.ky !== 'function') throw new InvalidOptionError('ky must be a ky instance')
      send = kySend(options.ky)
    } else {
      send = platformSend(defaultHeaders(options.headers, options.auth))
    }
    this.#runner = new RequestRunner(send, pLimit(this.concurrency), policy)
    this.#bulk = this.#bulkImporter(options.bulkWrites)
  }

  /** Whether {@link KuboCAS.close} was called. */
  get closed(): boolean {
    return this.#runner.closed
  }

  /**
   * Adds `data` through the RPC API and returns its CID: a CIDv1 labelled `codec` when it fits in one
   * chunk (the same CID `InMemoryCAS` gives), else Kubo's dag-pb CID of the UnixFS file.
   *
   * @throws {IntegrityError} when Kubo's CID for a single block does not hash `data`.
   * @throws {InvalidResponseError} when Kubo names a UnixFS file for data that fits in one chunk.
   * @throws {KuboRequestError} when the RPC API refuses, or keeps failing.
   */
  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    this.#checkOpen('save')
    options?.signal?.throwIfAborted()
    checkSaveInput(data, codec)
    const code = CODEC_CODES[codec]
    const hasher = LOCAL_HASHERS[this.hasher]
    if (this.#bulk !== undefined && hasher !== undefined && data.length <= singleChunkLimit(this.chunker)) {
      // One chunk: `add` would store it as one raw block, whose CID is computed here.
      const cid = CID.createV1(code, await hasher.digest(data))
      await this.#bulk.add(cid, data.slice())
      return cid
    }
    const query = new URLSearchParams({
      hash: this.hasher,
      chunker: this.chunker,
      pin: String(this.pinOnAdd),
      // Kubo picks CIDv1 for non-sha2-256 hashes anyway; asking keeps sha2-256 out of CIDv0 dag-pb.
      'cid-version': '1',
    })
    const url = `${this.rpcBaseUrl}/api/v0/add?${query}`
    // The Blob copies `data`, so later changes by the caller cannot alter a retry.
    const blob = new Blob([data as Uint8Array<ArrayBuffer>])
    const context = { operation: 'save', method: 'POST', url } as const
    const response = await this.#runner.run(
      {
        ...context,
        url: (base) => `${base}/api/v0/add?${query}`,
        body: () => {
          const form = new FormData()
          form.append('file', blob, 'file')
          return form
        },
        signal: options?.signal,
      },
      this.#rpcPool,
      rpcReader(context),
    )
    const added = parseAddResponse(response, context)
    if (added.code === DAG_PB) {
      // Data that fits in one chunk is one raw block: a file CID for it is not the data's CID.
      if (data.length <= singleChunkLimit(this.chunker)) {
        throw new InvalidResponseError(
          context,
          `Kubo named the UnixFS file ${added} for ${data.length} bytes, which fit in one ${this.chunker} chunk ` +
            'and so must be one raw block',
        )
      }
      return added
    }
    // As py-hamt: Kubo labels a single chunk `raw`; relabel it with the codec asked for.
    const cid = CID.createV1(code, added.multihash)
    if (canVerify(cid)) {
      const actual = await mismatch(cid, data)
      if (actual !== undefined) throw new IntegrityError(cid, url, actual)
    }
    return cid
  }

  /**
   * Reads `id` (or a range of it) from a gateway. Single-block CIDs are fetched whole (2 MiB at most)
   * and checked against the CID before the range is cut; dag-pb (UnixFS) files are read as a CAR of
   * the blocks the range needs, each checked, unless `verifyFiles` is off (then with an HTTP Range
   * request, unchecked). A gateway that fails or sends bad data hands over to the next one.
   *
   * @throws {BlockNotFoundError} when every gateway answers 404 or 410.
   * @throws {InvalidRangeError} for a malformed range or an offset past the end.
   * @throws {IntegrityError} when the bytes do not hash to the CID.
   * @throws {InvalidResponseError} for a malformed answer (a 206 without Content-Range, a bad CAR).
   * @throws {ResponseTooLargeError} for an answer larger than it can be.
   * @throws {RetryLaterError} when the gateways ask to wait longer than `maxRetryAfterMs`.
   * @throws {UnverifiableError} in trustless mode, for a CID whose bytes cannot be checked.
   * @throws {KuboRequestError} when the gateway refuses, or keeps failing.
   */
  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.#checkOpen('load')
    options?.signal?.throwIfAborted()
    const cid = CID.asCID(id)
    if (cid === null) throw new InvalidOptionError('id must be a CID')
    if (range !== undefined) resolveRange(range, Number.MAX_SAFE_INTEGER) // shape check only
    // An identity CID holds its bytes.
    if (cid.multihash.code === IDENTITY) return sliceRange(cid.multihash.digest, range)

    if (cid.code !== DAG_PB) {
      if (!canVerify(cid)) {
        if (this.trustless) {
          throw new UnverifiableError(cid, `multihash code 0x${cid.multihash.code.toString(16)} is not supported`)
        }
        return this.#loadUnchecked(cid, range, options)
      }
      return this.#loadBlock(cid, range, options)
    }
    if (this.verifyFiles) return this.#loadFile(cid, range, options)
    if (this.trustless) {
      throw new UnverifiableError(cid, 'dag-pb (UnixFS) content spans several blocks and verifyFiles is off')
    }
    return this.#loadUnchecked(cid, range, options)
  }

  /**
   * The block `root` and the blocks met following the IPLD `path` from it, in one gateway request:
   * `GET /ipfs/{root}/{path}?format=car&dag-scope=block` (each segment URL-encoded), which gateways
   * built on boxo answer (Kubo 0.23 and later, rainbow, ipfs.io and dweb.link) with the blocks the
   * path traverses, as far as it resolves. A HAMT reader gets a key's whole chain of nodes this way
   * instead of one round trip per level; a path deeper than the tree is no error.
   *
   * Resolves with `root`'s block first, then the others that came, each once; each hashes to its
   * CID (a block whose hash function is not implemented here is dropped, the CAR's header roots are
   * ignored). The answer is read as a capped stream: no more than `path.length + 1` blocks of at most
   * 2 MiB, then the connection is closed and what came is kept. The request goes through the same
   * concurrency limit, time limits, gateways, cooldowns and hedging as `load`, but each gateway is
   * asked once: when that fails (an error status, a network error, the time limit), `root` is read
   * by `load`, with its retries, so a path request that cannot succeed costs one round trip more.
   *
   * Where a gateway cannot serve the path, `root` alone is read as `load` reads it, one round trip
   * later: a gateway that answers 400, 406, 415, 501 or something that is not a CAR (or a CAR
   * without `root`) is remembered for this instance's life, and later calls go straight to `load`
   * there (or send the path to the gateways that can serve it). A 404 for a path may mean the path
   * does not resolve (Kubo before 0.23 answered so), so it is `load` that says whether `root` is
   * absent; a lone gateway that has `root` after all is remembered too. For a dag-pb (UnixFS)
   * `root`, its block is what is returned, not the file.
   *
   * @param path - the segments: list indices (decimal) and map keys, each non-empty, neither `.` nor
   *   `..`, at most 128.
   * @throws {BlockNotFoundError} when `root` is on no gateway (404 or 410), as `load(root)` would.
   * @throws {IntegrityError} when a block of the answer does not hash to its CID.
   * @throws {ResponseTooLargeError} for a block of the answer larger than 2 MiB.
   * @throws {InvalidResponseError} for an answer in a content coding the client did not decode.
   * @throws {InvalidOptionError} for a `root` that is not a CID or a malformed `path`.
   * @throws what `load(root)` throws when `root`'s block cannot be had otherwise (a failing gateway,
   *   trustless mode and an unverifiable root, a closed instance, an abort).
   */
  async loadPath(root: CID, path: readonly string[], options?: CallOptions): Promise<readonly Block[]> {
    this.#checkOpen('loadPath')
    options?.signal?.throwIfAborted()
    const cid = CID.asCID(root)
    if (cid === null) throw new InvalidOptionError('root must be a CID')
    checkPath(path)
    // An identity root holds its block; one that cannot be checked could not vouch for a path.
    if (cid.multihash.code === IDENTITY || !canVerify(cid)) return [await this.#rootBlock(cid, options)]
    const pool = this.#pathPool()
    if (pool === undefined) return [await this.#rootBlock(cid, options)]
    const segments = path.map((segment) => `/${encodeURIComponent(segment)}`).join('')
    let car: PathCar
    try {
      car = await this.#runner.run(
        {
          operation: 'loadPath',
          method: 'GET',
          cid,
          headers: CAR_HEADERS,
          url: (base) => `${base}/ipfs/${cid}${segments}?format=car&dag-scope=block`,
          signal: options?.signal,
          // Each gateway is asked once: when that fails, `load` reads the root with its retries, so
          // a path request that cannot succeed costs one round trip, never a round of backoffs.
          maxRetries: 0,
        },
        pool,
        async (response, signal, url): Promise<PathCar> => {
          const status = await checkStatus(response, pathStatuses, signal)
          if (status === 404 || status === 410) throw new BlockNotFoundError(cid, `${url} (HTTP ${status})`)
          let read: PathCar = 'not-a-car'
          if (status === 200 && isCar(response)) {
            if (response.contentEncoding !== null) {
              throw new InvalidResponseError(
                { url, cid },
                `a body in Content-Encoding ${response.contentEncoding}, though only identity was accepted`,
              )
            }
            read = await readPathCar(response.chunks(signal), cid, path.length + 1, { url, cid })
          }
          // No CAR, or a whole one without the root (a gateway that resolves the path and sends only
          // what is under it): this gateway gives nothing `load` does not, in more time.
          if (read === 'not-a-car' || (read.complete && !read.hasRoot)) {
            this.#noPath.add(gatewayOf(url, this.gatewayBaseUrls))
          }
          return read
        },
      )
    } catch (error) {
      // A 404 for a path is not always an absent root: gateways before boxo's "CAR responses on
      // Not Found" (Kubo before 0.23) answer it for a path that does not resolve. A failed path
      // request was not retried, and gateways without path CARs were not asked. Either way `load`
      // has the last word on the root.
      const unresolved = error instanceof BlockNotFoundError && path.length > 0
      const failed = error instanceof KuboRequestError
      if ((unresolved || failed || this.#noPath.size > 0) && !this.closed && options?.signal?.aborted !== true) {
        const block = await this.#rootBlock(cid, options)
        // A lone gateway that has the root said 404 for the path: asking it for paths costs a round trip.
        if (unresolved && this.gatewayBaseUrls.length === 1) this.#noPath.add(this.gatewayBaseUrl)
        return [block]
      }
      throw error
    }
    if (car === 'not-a-car') return [await this.#rootBlock(cid, options)]
    if (!car.hasRoot) return [await this.#rootBlock(cid, options), ...car.blocks]
    return car.blocks
  }

  /**
   * The gateways to ask for path CARs, as a pool sharing the gateways' cooldowns; `undefined` when
   * none can serve them, or when only gateways without them are not set aside (then `load` is the
   * faster way to the root).
   */
  #pathPool(): TargetPool | undefined {
    if (this.#noPath.size === 0) return this.#gateways
    if (this.#pathGateways?.noPath !== this.#noPath.size) {
      const able = this.gatewayBaseUrls.filter((gateway) => !this.#noPath.has(gateway))
      this.#pathGateways = {
        noPath: this.#noPath.size,
        pool: able.length === 0 ? undefined : this.#gateways.subset(able),
      }
    }
    const pool = this.#pathGateways.pool
    if (pool === undefined) return undefined
    const none = new Set<string>()
    if (pool.pickFresh(none) === undefined && this.#gateways.pickFresh(none) !== undefined) return undefined
    return pool
  }

  /** `root`'s block alone: as `load` reads it, but for a dag-pb root its block (asked for raw), not its file. */
  async #rootBlock(cid: CID, options: CallOptions | undefined): Promise<Block> {
    if (cid.code !== DAG_PB || cid.multihash.code === IDENTITY) {
      return { cid, bytes: await this.load(cid, undefined, options) }
    }
    if (this.trustless && !canVerify(cid)) {
      throw new UnverifiableError(cid, `multihash code 0x${cid.multihash.code.toString(16)} is not supported`)
    }
    return { cid, bytes: await this.#loadBlock(cid, undefined, options, RAW_HEADERS) }
  }

  /**
   * A single block, read whole (at most 2 MiB) and checked against its CID before the range is cut
   * (when its hash function is implemented here: `load` sends others elsewhere).
   */
  #loadBlock(
    cid: CID,
    range: ByteRange | undefined,
    options: CallOptions | undefined,
    headers: Readonly<Record<string, string>> = this.trustless ? RAW_HEADERS : NO_HEADERS,
  ): Promise<Uint8Array> {
    return this.#runner.run(
      { operation: 'load', method: 'GET', cid, headers, url: (base) => `${base}/ipfs/${cid}`, signal: options?.signal },
      this.#gateways,
      async (response, signal, url) => {
        const status = await checkStatus(response, loadStatuses, signal)
        const where = `${url} (HTTP ${status})`
        if (status === 404 || status === 410) throw new BlockNotFoundError(cid, where)
        if (status === 416) return unsatisfiable(response, range, where)
        const body = await readCapped(response, MAX_BLOCK_BYTES, signal, { url, cid })
        const actual = canVerify(cid) ? await mismatch(cid, body) : undefined
        if (actual !== undefined) throw new IntegrityError(cid, url, actual)
        return sliceRange(body, range)
      },
    )
  }

  /**
   * A UnixFS file (or a range of it) as a CAR of exactly the blocks the range needs, each checked
   * against its CID and the file's structure. Gateways that do not serve CARs are read unchecked,
   * except in trustless mode.
   */
  async #loadFile(cid: CID, range: ByteRange | undefined, options: CallOptions | undefined): Promise<Uint8Array> {
    const query = new URLSearchParams({ format: 'car' })
    const bytes = entityBytes(range)
    if (isEmptyRange(range)) query.set('dag-scope', 'block')
    else {
      query.set('dag-scope', 'entity')
      if (bytes !== undefined) query.set('entity-bytes', bytes)
    }
    if (!this.trustless && this.gatewayBaseUrls.every((gateway) => this.#noCar.has(gateway))) {
      return this.#loadUnchecked(cid, range, options)
    }
    let unsupported = false
    const result = await this.#runner.run(
      {
        operation: 'load',
        method: 'GET',
        cid,
        headers: CAR_HEADERS,
        url: (base) => `${base}/ipfs/${cid}?${query}`,
        signal: options?.signal,
      },
      this.#gateways,
      async (response, signal, url): Promise<Uint8Array | undefined> => {
        const status = await checkStatus(response, loadStatuses, signal)
        const where = `${url} (HTTP ${status})`
        if (status === 404 || status === 410) throw new BlockNotFoundError(cid, where)
        if (status === 416) return unsatisfiable(response, range, where)
        if (status !== 200 || !(response.header('content-type') ?? '').startsWith('application/vnd.ipld.car')) {
          await response.discard()
          if (this.trustless) {
            throw new UnverifiableError(
              cid,
              `${url} did not answer with a CAR (HTTP ${status}, ${response.header('content-type')})`,
            )
          }
          this.#noCar.add(gatewayOf(url, this.gatewayBaseUrls))
          unsupported = true
          return undefined
        }
        return readVerifiedFile(response.chunks(signal), cid, range, { url, cid })
      },
    )
    if (result !== undefined && !unsupported) return result
    return this.#loadUnchecked(cid, range, options)
  }

  /** Bytes as the gateway serves them, with an HTTP Range header, unchecked. */
  #loadUnchecked(cid: CID, range: ByteRange | undefined, options: CallOptions | undefined): Promise<Uint8Array> {
    const headers: Record<string, string> = {}
    if (range !== undefined) headers.Range = httpRange(range)
    return this.#runner.run(
      { operation: 'load', method: 'GET', cid, headers, url: (base) => `${base}/ipfs/${cid}`, signal: options?.signal },
      this.#gateways,
      async (response, signal, url) => {
        const status = await checkStatus(response, loadStatuses, signal)
        const where = `${url} (HTTP ${status})`
        if (status === 404 || status === 410) throw new BlockNotFoundError(cid, where)
        if (status === 416) return unsatisfiable(response, range, where)
        const context = { url, cid }
        if (status === 206 && range !== undefined) {
          return partialContent(response, range, signal, context, this.#maxFileBytes)
        }
        // A 200: the whole file, when the gateway ignored Range or none was sent.
        if (range !== undefined && !('suffix' in range) && range.length !== undefined) {
          const prefix = await readPrefix(response, range.offset + range.length, this.#maxFileBytes, signal, context)
          return sliceRange(prefix, range)
        }
        return sliceRange(await readCapped(response, this.#maxFileBytes, signal, context), range)
      },
    )
  }

  /** Pins `cid` on the node (recursively unless `recursive: false`). */
  async pin(cid: CID, options?: CallOptions & { recursive?: boolean }): Promise<void> {
    await this.#rpc('pin', 'pin/add', [cid], { recursive: String(options?.recursive ?? true) }, options)
  }

  /** Removes the pin of `cid` (recursive unless `recursive: false`). */
  async unpin(cid: CID, options?: CallOptions & { recursive?: boolean }): Promise<void> {
    await this.#rpc('unpin', 'pin/rm', [cid], { recursive: String(options?.recursive ?? true) }, options)
  }

  /**
   * Moves a recursive pin from `from` to `to` (Kubo's `pin/update`), as when a HAMT's root changes;
   * `from` stays pinned when `unpin: false`.
   */
  async pinUpdate(from: CID, to: CID, options?: CallOptions & { unpin?: boolean }): Promise<void> {
    await this.#rpc('pinUpdate', 'pin/update', [from, to], { unpin: String(options?.unpin ?? true) }, options)
  }

  /** The node's pins, of one type or (default) all. */
  async pinLs(options?: CallOptions & { type?: PinType | 'all' }): Promise<Pin[]> {
    const type = options?.type ?? 'all'
    if (!['all', 'direct', 'recursive', 'indirect'].includes(type)) {
      throw new InvalidOptionError(
        `type must be 'all', 'direct', 'recursive' or 'indirect', got ${JSON.stringify(type)}`,
      )
    }
    const { response, context } = await this.#rpc('pinLs', 'pin/ls', [], { type }, options)
    let keys: unknown
    try {
      keys = (JSON.parse(new TextDecoder().decode(response.body)) as { Keys?: unknown }).Keys ?? {}
    } catch (cause) {
      throw unexpected(context, response, 'the body is not JSON', cause)
    }
    if (keys === null || typeof keys !== 'object') throw unexpected(context, response, 'no Keys object')
    return Object.entries(keys as Record<string, { Type?: unknown }>).map(([key, value]) => ({
      cid: CID.parse(key),
      type: String(value?.Type) as PinType,
    }))
  }

  /**
   * Stops this instance: requests in flight or queued are aborted with a {@link ClosedError}, and
   * later calls fail with it. The ky instance passed in options is not affected.
   */
  async close(): Promise<void> {
    this.#runner.close()
  }

  /** `await using cas = new KuboCAS(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  async #rpc(
    operation: string,
    command: string,
    args: CID[],
    params: Record<string, string>,
    options: CallOptions | undefined,
  ): Promise<{ response: FullResponse; context: { operation: string; method: string; url: string } }> {
    this.#checkOpen(operation)
    options?.signal?.throwIfAborted()
    const query = new URLSearchParams()
    for (const arg of args) {
      const cid = CID.asCID(arg)
      if (cid === null) throw new InvalidOptionError(`${operation}: expected a CID, got ${String(arg)}`)
      query.append('arg', cid.toString())
    }
    for (const [name, value] of Object.entries(params)) query.set(name, value)
    const url = `${this.rpcBaseUrl}/api/v0/${command}?${query}`
    const context = { operation, method: 'POST', url, cid: args[0] }
    const response = await this.#runner.run(
      { ...context, method: 'POST', url: (base) => `${base}/api/v0/${command}?${query}`, signal: options?.signal },
      this.#rpcPool,
      rpcReader(context),
    )
    return { response, context }
  }

  #bulkImporter(option: KuboCASOptions['bulkWrites']): BulkImporter | undefined {
    if (option === undefined || option === false) return undefined
    if (option !== true && (option === null || typeof option !== 'object')) {
      throw new InvalidOptionError('bulkWrites must be a boolean or { maxBlocks, maxBytes, delayMs }')
    }
    const limits = option === true ? {} : option
    const query = new URLSearchParams({ 'pin-roots': String(this.pinOnAdd) })
    const url = `${this.rpcBaseUrl}/api/v0/dag/import?${query}`
    return new BulkImporter(
      {
        maxBlocks: checkPositiveInteger('bulkWrites.maxBlocks', limits.maxBlocks ?? 1000, 1),
        maxBytes: checkPositiveInteger('bulkWrites.maxBytes', limits.maxBytes ?? 8 * 1024 * 1024, 1),
        delayMs: checkNonNegative('bulkWrites.delayMs', limits.delayMs ?? 5),
      },
      this.pinOnAdd,
      url,
      async (car) => {
        const context = { operation: 'save', method: 'POST', url } as const
        const response = await this.#runner.run(
          {
            ...context,
            url: (base) => `${base}/api/v0/dag/import?${query}`,
            body: () => {
              const form = new FormData()
              form.append('file', car, 'blocks.car')
              return form
            },
          },
          this.#rpcPool,
          rpcReader(context),
        )
        return response.body
      },
    )
  }

  #checkOpen(operation: string): void {
    if (this.closed) throw new ClosedError(operation)
  }
}

/** `/api/v0/add` answers NDJSON; the last object names the root. */
function parseAddResponse(response: FullResponse, context: { operation: string; method: string; url: string }): CID {
  const lines = new TextDecoder()
    .decode(response.body)
    .split('\n')
    .filter((line) => line.trim() !== '')
  let hash: unknown
  try {
    hash = (JSON.parse(lines.at(-1) ?? '') as { Hash?: unknown }).Hash
  } catch (cause) {
    throw unexpected(context, response, 'the body is not JSON', cause)
  }
  if (typeof hash !== 'string') throw unexpected(context, response, 'no Hash in the answer')
  try {
    return CID.parse(hash)
  } catch (cause) {
    throw unexpected(context, response, `Hash ${JSON.stringify(hash)} is not a CID`, cause)
  }
}

function unexpected(
  context: { operation: string; method: string; url: string; cid?: CID | undefined },
  response: FullResponse,
  reason: string,
  cause?: unknown,
): KuboRequestError {
  return new KuboRequestError(
    context,
    {
      status: response.status,
      attempts: 1,
      reason: `unexpected answer: ${reason}`,
      responseText: new TextDecoder().decode(response.body.subarray(0, 300)),
    },
    cause === undefined ? undefined : { cause },
  )
}

/** Statuses a load reads itself; others are errors (429 and 5xx retried). */
function loadStatuses(status: number): boolean {
  return status === 200 || status === 206 || status === 404 || status === 410 || status === 416
}

/**
 * Statuses a path request reads itself: 200 (a CAR, or not), 404 and 410 (no root), and what
 * gateways without path CARs answer (400, 406, 415, 501, or another 2xx). Others are errors.
 */
function pathStatuses(status: number): boolean {
  return (status >= 200 && status < 300) || [400, 404, 406, 410, 415, 501].includes(status)
}

/** Whether an answer says it is a CAR. */
function isCar(response: HttpAnswer): boolean {
  return (response.header('content-type') ?? '').trim().toLowerCase().startsWith('application/vnd.ipld.car')
}

/**
 * Checks a {@link KuboCAS.loadPath} path: segments a gateway takes as they are (no empty ones, no
 * `.` or `..`, which it would clean away), and few enough to bound the answer.
 */
function checkPath(path: unknown): asserts path is readonly string[] {
  if (!Array.isArray(path)) throw new InvalidOptionError('path must be an array of strings')
  if (path.length > MAX_PATH_SEGMENTS) {
    throw new InvalidOptionError(`path has ${path.length} segments, more than the ${MAX_PATH_SEGMENTS} allowed`)
  }
  for (const segment of path) {
    if (typeof segment !== 'string' || segment === '' || segment === '.' || segment === '..') {
      throw new InvalidOptionError(
        `path segments must be non-empty strings other than '.' and '..', got ${JSON.stringify(segment)}`,
      )
    }
  }
}

/** Reads an RPC answer: 200 only, body bounded. */
function rpcReader(context: { url: string; cid?: CID | undefined }): ResponseReader<FullResponse> {
  return async (response, signal, url) => {
    const status = await checkStatus(response, (s) => s === 200, signal)
    const body = await readCapped(response, RPC_BODY_LIMIT, signal, { url, cid: context.cid })
    return { status, body }
  }
}

/**
 * The most bytes `chunker` puts in one chunk for sure: `size-N` cuts every N bytes; rabin never cuts
 * before its minimum (Kubo's default rabin has an average of 256 KiB and a minimum of a third of it).
 */
function singleChunkLimit(chunker: string): number {
  if (chunker.startsWith('size-')) return Number(chunker.slice(5))
  if (chunker === 'rabin') return Math.floor((256 * 1024) / 3)
  return Number(chunker.split('-')[1])
}

/** The gateway (of `bases`) that `url` was sent to. */
function gatewayOf(url: string, bases: readonly string[]): string {
  return bases.find((base) => url.startsWith(`${base}/`)) as string
}

/**
 * The HTTP Range header for `range`. HTTP cannot ask for zero bytes, so an empty range asks for one
 * byte at its start (or answers 416), which still tells whether the offset is inside the data.
 */
function httpRange(range: ByteRange): string {
  if ('suffix' in range) return range.suffix === 0 ? 'bytes=0-0' : `bytes=-${range.suffix}`
  if (range.length === undefined) return `bytes=${range.offset}-`
  if (range.length === 0) return `bytes=${range.offset}-${range.offset}`
  return `bytes=${range.offset}-${range.offset + range.length - 1}`
}

/** Parses `Content-Range: bytes a-b/size`, or the `bytes *` + `/size` form of a 416. */
function parseContentRange(value: string | null): { start?: number; end?: number; size?: number } | undefined {
  if (value === null) return undefined
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(value.trim())
  if (match === null) return undefined
  return {
    ...(match[1] !== undefined ? { start: Number(match[1]), end: Number(match[2]) + 1 } : {}),
    ...(match[3] !== '*' ? { size: Number(match[3]) } : {}),
  }
}

/** A 416: the range starts past the end, unless it is an empty range at the very end. */
function unsatisfiable(response: HttpAnswer, range: ByteRange | undefined, where: string): Uint8Array {
  void response.discard()
  const size = parseContentRange(response.header('content-range'))?.size
  if (range !== undefined && size !== undefined) {
    // Throws InvalidRangeError when the offset is past the end; an empty range at the end is fine.
    const { start, end } = resolveRange(range, size)
    if (start === end) return new Uint8Array(0)
  }
  throw new InvalidRangeError(`range ${JSON.stringify(range)} is not satisfiable: ${where}`)
}

/**
 * A 206: refuses it without a `Content-Range` covering the range asked for, reads no more than the
 * range needs, refuses a body shorter than it, and returns exactly the range.
 */
async function partialContent(
  response: HttpAnswer,
  range: ByteRange,
  signal: AbortSignal,
  context: { url: string; cid: CID },
  maxBytes: number,
): Promise<Uint8Array> {
  const sent = parseContentRange(response.header('content-range'))
  if (sent?.start === undefined || sent.end === undefined || sent.size === undefined) {
    await response.discard()
    throw new InvalidResponseError(context, 'a 206 (partial content) without a valid Content-Range')
  }
  const wanted = resolveRange(range, sent.size)
  if (wanted.start === wanted.end) {
    await response.discard()
    return new Uint8Array(0)
  }
  if (sent.start > wanted.start || sent.end < wanted.end) {
    await response.discard()
    throw new InvalidResponseError(
      context,
      `the gateway sent bytes ${sent.start}-${sent.end - 1}, not the ${wanted.start}-${wanted.end - 1} asked for`,
    )
  }
  // An open range takes its end from Content-Range, which the gateway chose: bound it too.
  const need = wanted.end - sent.start
  const body = await readPrefix(response, need, maxBytes, signal, context)
  if (body.length < need) {
    throw new InvalidResponseError(
      context,
      `the body ends after ${body.length} bytes, before the ${need} its Content-Range (${sent.start}-${sent.end - 1}) promises`,
    )
  }
  return body.subarray(wanted.start - sent.start, wanted.end - sent.start)
}

/** The first `n` bytes of a body (fewer if it is shorter), then the connection is closed. */
async function readPrefix(
  response: HttpAnswer,
  n: number,
  cap: number,
  signal: AbortSignal,
  context: { url: string; cid: CID },
): Promise<Uint8Array> {
  if (n > cap) {
    await response.discard()
    throw new ResponseTooLargeError(context, cap, n)
  }
  // Grown as bytes arrive: `n` comes from the request or from headers, not from bytes received.
  const chunks: Uint8Array[] = []
  let at = 0
  for await (const chunk of response.chunks(signal)) {
    const part = chunk.subarray(0, n - at)
    chunks.push(part)
    at += part.length
    if (at === n) break
  }
  const out = new Uint8Array(at)
  let offset = 0
  for (const part of chunks) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
