import {
  BlockNotFoundError,
  type ByteRange,
  type CallOptions,
  type Codec,
  type ContentAddressedStore,
  InvalidOptionError,
  InvalidRangeError,
  resolveRange,
  sliceRange,
} from '@hamt/core'
import ky, { type KyInstance } from 'ky'
import { CID } from 'multiformats/cid'
import pLimit from 'p-limit'
import { ClosedError, IntegrityError, KuboRequestError, UnverifiableError } from './errors.js'
import { type FullResponse, RequestRunner } from './http.js'
import {
  checkChunker,
  checkHasher,
  checkNonNegative,
  checkPositiveInteger,
  DEFAULT_GATEWAY_BASE_URL,
  DEFAULT_RPC_BASE_URL,
  defaultHeaders,
  type KuboCASOptions,
  normaliseBaseUrl,
  normaliseGatewayUrl,
} from './options.js'
import { canVerify, DAG_PB, mismatch } from './verify.js'

const CODEC_CODES: Readonly<Record<Codec, number>> = { raw: 0x55, 'dag-cbor': 0x71 }
const IDENTITY = 0x00

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
 * Beyond py-hamt: bytes of single-block CIDs (raw, dag-cbor) are checked against the CID (BLAKE3,
 * SHA2-256, SHA2-512) and a mismatch is an {@link IntegrityError}; requests share one concurrency
 * limit, time out, and are retried with backoff on network errors, timeouts, 429 and 5xx; every call
 * takes an `AbortSignal`.
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
  /** Gateway base URL, without `/ipfs` or a trailing slash. */
  readonly gatewayBaseUrl: string
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

  readonly #runner: RequestRunner

  constructor(options: KuboCASOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options must be an object')
    this.rpcBaseUrl = normaliseBaseUrl('rpcBaseUrl', options.rpcBaseUrl ?? DEFAULT_RPC_BASE_URL)
    this.gatewayBaseUrl = normaliseGatewayUrl(options.gatewayBaseUrl ?? DEFAULT_GATEWAY_BASE_URL)
    this.hasher = checkHasher(options.hasher ?? 'blake3')
    this.chunker = checkChunker(options.chunker ?? 'size-1048576')
    this.pinOnAdd = options.pinOnAdd ?? false
    this.trustless = options.trustless ?? false
    this.concurrency = checkPositiveInteger('concurrency', options.concurrency ?? 32, 1)
    const policy = {
      maxRetries: checkPositiveInteger('maxRetries', options.maxRetries ?? 3, 0),
      initialDelayMs: checkNonNegative('initialDelayMs', options.initialDelayMs ?? 1000),
      backoffFactor: checkNonNegative('backoffFactor', options.backoffFactor ?? 2, 1),
      timeoutMs: checkPositiveInteger('timeoutMs', options.timeoutMs ?? 60_000, 1),
    }
    let client: KyInstance
    if (options.ky !== undefined) {
      if (options.headers !== undefined || options.auth !== undefined) {
        throw new InvalidOptionError('headers and auth cannot be combined with ky: configure your ky instance instead')
      }
      if (typeof options.ky !== 'function') throw new InvalidOptionError('ky must be a ky instance')
      client = options.ky
    } else {
      client = ky.create({ headers: defaultHeaders(options.headers, options.auth) })
    }
    this.#runner = new RequestRunner(client, pLimit(this.concurrency), policy)
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
   * @throws {KuboRequestError} when the RPC API refuses, or keeps failing.
   */
  async save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    this.#checkOpen('save')
    options?.signal?.throwIfAborted()
    const code = CODEC_CODES[codec]
    if (code === undefined) {
      throw new InvalidOptionError(`codec must be 'raw' or 'dag-cbor', got ${JSON.stringify(codec)}`)
    }
    if (!(data instanceof Uint8Array)) throw new InvalidOptionError('data must be a Uint8Array')
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
    const response = await this.#runner.request({
      ...context,
      body: () => {
        const form = new FormData()
        form.append('file', blob, 'file')
        return form
      },
      accept: (status) => status === 200,
      signal: options?.signal,
    })
    const added = parseAddResponse(response, context)
    if (added.code === DAG_PB) return added
    // As py-hamt: Kubo labels a single chunk `raw`; relabel it with the codec asked for.
    const cid = CID.createV1(code, added.multihash)
    if (canVerify(cid)) {
      const actual = await mismatch(cid, data)
      if (actual !== undefined) throw new IntegrityError(cid, url, actual)
    }
    return cid
  }

  /**
   * Reads `id` (or a range of it) from the gateway. Single-block CIDs are fetched whole and checked
   * against the CID before the range is cut; dag-pb CIDs are read with an HTTP Range request.
   *
   * @throws {BlockNotFoundError} when the gateway answers 404 or 410.
   * @throws {InvalidRangeError} for a malformed range or an offset past the end.
   * @throws {IntegrityError} when the bytes do not hash to the CID.
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

    const wholeBlock = cid.code !== DAG_PB && canVerify(cid)
    if (this.trustless && !wholeBlock) {
      throw new UnverifiableError(
        cid,
        cid.code === DAG_PB
          ? 'dag-pb (UnixFS) content spans several blocks'
          : `multihash code 0x${cid.multihash.code.toString(16)} is not supported`,
      )
    }
    const url = `${this.gatewayBaseUrl}/ipfs/${cid.toString()}`
    const headers: Record<string, string> = {}
    if (this.trustless) headers.Accept = 'application/vnd.ipld.raw'
    const rangeHeader = wholeBlock || range === undefined ? undefined : httpRange(range)
    if (rangeHeader !== undefined) headers.Range = rangeHeader
    const response = await this.#runner.request({
      operation: 'load',
      method: 'GET',
      url,
      cid,
      headers,
      accept: (status) => status === 200 || status === 206 || status === 404 || status === 410 || status === 416,
      signal: options?.signal,
    })
    const where = `${url} (HTTP ${response.status}, ${response.attempts} attempt${response.attempts === 1 ? '' : 's'})`
    if (response.status === 404 || response.status === 410) throw new BlockNotFoundError(cid, where)
    if (response.status === 416) return unsatisfiable(response, range, where)
    if (wholeBlock) {
      const actual = await mismatch(cid, response.body)
      if (actual !== undefined) throw new IntegrityError(cid, url, actual)
      return sliceRange(response.body, range)
    }
    if (range === undefined) return response.body
    // A gateway may ignore Range and send everything (200): cut the range here.
    if (response.status === 200) return sliceRange(response.body, range)
    return partialContent(response, range, { operation: 'load', method: 'GET', url, cid })
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
    const response = await this.#runner.request({
      ...context,
      method: 'POST',
      accept: (status) => status === 200,
      signal: options?.signal,
    })
    return { response, context }
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
      attempts: response.attempts,
      reason: `unexpected answer: ${reason}`,
      responseText: new TextDecoder().decode(response.body.subarray(0, 300)),
    },
    cause === undefined ? undefined : { cause },
  )
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

function isEmptyRange(range: ByteRange): boolean {
  return 'suffix' in range ? range.suffix === 0 : range.length === 0
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
function unsatisfiable(response: FullResponse, range: ByteRange | undefined, where: string): Uint8Array {
  const size = parseContentRange(response.headers.get('content-range'))?.size
  if (range !== undefined && size !== undefined) {
    // Throws InvalidRangeError when the offset is past the end; an empty range at the end is fine.
    const { start, end } = resolveRange(range, size)
    if (start === end) return new Uint8Array(0)
  }
  throw new InvalidRangeError(`range ${JSON.stringify(range)} is not satisfiable: ${where}`)
}

/** A 206: checks the gateway sent the range asked for (or more of it), and returns exactly that. */
function partialContent(
  response: FullResponse,
  range: ByteRange,
  context: { operation: string; method: string; url: string; cid: CID },
): Uint8Array {
  if (isEmptyRange(range)) return new Uint8Array(0)
  const sent = parseContentRange(response.headers.get('content-range'))
  const body = response.body
  if (sent?.start === undefined || sent.end === undefined || sent.size === undefined) {
    // Without Content-Range, trust a body of the size asked for.
    if ('length' in range && range.length !== undefined && body.length > range.length) {
      return body.subarray(0, range.length)
    }
    return body
  }
  const wanted = resolveRange(range, sent.size)
  if (sent.end - sent.start !== body.length || sent.start > wanted.start || sent.end < wanted.end) {
    throw new KuboRequestError(context, {
      status: response.status,
      attempts: response.attempts,
      reason: `the gateway sent bytes ${sent.start}-${sent.end - 1} (${body.length} bytes), not the ${wanted.start}-${wanted.end - 1} asked for`,
    })
  }
  return body.subarray(wanted.start - sent.start, wanted.end - sent.start)
}
