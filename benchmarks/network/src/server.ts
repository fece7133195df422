import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CID } from 'multiformats/cid'
import { encodeCar } from './car.js'
import { type BlockSource, carForPath, parseDagScope } from './path-car.js'

export type { BlockSource } from './path-car.js'

/** Options of {@link DelayedGateway}. */
export interface DelayedGatewayOptions {
  /** Delay before every answer, in ms: the round-trip time the reader feels. Can be changed later. */
  rttMs: number
  /** Blocks served at `/ipfs/{cid}`. */
  blocks: BlockSource
  /** Plain files served at `/zarr/{path}` (keys without a leading `/`). */
  files: ReadonlyMap<string, Uint8Array>
}

/** Requests answered since the last {@link DelayedGateway.resetCounts}, by kind. */
export interface RequestCounts {
  /** Blocks sent raw (`?format=raw` or `Accept: application/vnd.ipld.raw`). */
  raw: number
  /** CARs asked for by CID alone (`/ipfs/{cid}`, `?format=car` or `Accept: application/vnd.ipld.car`). */
  car: number
  /** CARs asked for with a path (`/ipfs/{cid}/{path}`): path reads, a key's chain of nodes in one answer. */
  pathCar: number
  /** Plain Zarr files. */
  files: number
  /** Answers 4xx (not found, unsupported format). */
  failed: number
  /** Every request. */
  total: number
}

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'

/**
 * A loopback HTTP server that answers every request after a chosen delay (the round-trip time of a
 * gateway further away), serving one dataset two ways: its blocks at `/ipfs/{cid}` as a trustless
 * gateway does (raw blocks, or CARs, for a CID alone or a CID and an IPLD path, see {@link carForPath}),
 * and the same dataset as plain Zarr files at `/zarr/{path}`, for zarrita's `FetchStore`. It counts the
 * requests it answers.
 */
export class DelayedGateway {
  /** Delay before every answer, in ms. */
  rttMs: number
  readonly #blocks: BlockSource
  readonly #files: ReadonlyMap<string, Uint8Array>
  readonly #server: Server
  #counts: RequestCounts = emptyCounts()
  /** When each request since the last reset arrived (ms since the epoch, as precise as `performance.now()`), and its path. */
  #arrivals: { at: number; path: string }[] = []
  #url: string | undefined

  constructor(options: DelayedGatewayOptions) {
    this.rttMs = options.rttMs
    this.#blocks = options.blocks
    this.#files = options.files
    this.#server = createServer((request, response) => {
      this.#answer(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
      })
    })
    // Readers open as many connections as they fire requests at once; keep them for the whole run.
    this.#server.keepAliveTimeout = 60_000
  }

  /** Base URL (`http://127.0.0.1:port`) once started. */
  get url(): string {
    if (this.#url === undefined) throw new Error('the gateway is not started')
    return this.#url
  }

  /** Base URL of the plain Zarr files, for `new FetchStore(...)`. */
  get filesUrl(): string {
    return `${this.url}/zarr`
  }

  /** A copy of the request counts. */
  get counts(): RequestCounts {
    return { ...this.#counts }
  }

  resetCounts(): void {
    this.#counts = emptyCounts()
    this.#arrivals = []
  }

  /** When each request since the last reset arrived, and its path. */
  get arrivals(): readonly { at: number; path: string }[] {
    return this.#arrivals
  }

  /** Listens on 127.0.0.1, on a free port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(0, '127.0.0.1', () => resolve())
    })
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.#counts.total++
    this.#arrivals.push({ at: performance.timeOrigin + performance.now(), path: request.url ?? '' })
    const url = new URL(request.url ?? '/', 'http://gateway')
    // The delay covers the whole answer, whatever it is: a real gateway is as far away for a 404.
    const delay = sleep(this.rttMs)
    const answer = await this.#route(request, url)
    await delay
    if (answer.status >= 400) this.#counts.failed++
    response.writeHead(answer.status, {
      'content-type': answer.type,
      'content-length': String(answer.body.byteLength),
    })
    response.end(answer.body)
  }

  async #route(request: IncomingMessage, url: URL): Promise<Answer> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'only GET and HEAD')
    if (url.pathname.startsWith('/zarr/')) {
      const key = decodeURIComponent(url.pathname.slice('/zarr/'.length))
      const file = this.#files.get(key)
      if (file === undefined) return text(404, `no file ${key}`)
      this.#counts.files++
      return { status: 200, type: 'application/octet-stream', body: file }
    }
    const block = parseBlockRequest(url.pathname)
    if (block === undefined) return text(404, `no route ${url.pathname}`)
    if (block.cid === undefined) return text(400, `not a CID: ${block.cidText}`)
    if (block.segments === undefined) return text(400, `not a URL-encoded path: ${url.pathname}`)
    const format = wantedFormat(url, request.headers.accept)
    if (format === undefined) return text(406, `ask for ?format=raw or ?format=car (Accept: ${RAW} or ${CAR})`)
    if (format === 'raw') {
      // The spec serves raw blocks at /ipfs/{cid} alone: a path needs a CAR, which carries what it traversed.
      if (block.segments.length > 0) return text(400, 'a raw block has no path: ask for ?format=car')
      const bytes = await this.#blocks(block.cid)
      if (bytes === undefined) return text(404, `no block ${block.cid.toString()}`)
      this.#counts.raw++
      return { status: 200, type: RAW, body: bytes }
    }
    const scope = parseDagScope(url.searchParams.get('dag-scope'))
    if (scope === undefined) return text(400, 'dag-scope is block, entity or all')
    const content = await carForPath(block.cid, block.segments, scope, this.#blocks)
    if (content === undefined) return text(404, `no block ${block.cid.toString()}`)
    if (block.segments.length > 0) this.#counts.pathCar++
    else this.#counts.car++
    return { status: 200, type: CAR, body: await encodeCar([content.root], content.blocks) }
  }
}

interface Answer {
  status: number
  type: string
  body: Uint8Array
}

function emptyCounts(): RequestCounts {
  return { raw: 0, car: 0, pathCar: 0, files: 0, failed: 0, total: 0 }
}

function text(status: number, message: string): Answer {
  return { status, type: 'text/plain', body: new TextEncoder().encode(message) }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** What a trustless gateway is asked for: `?format=` first, then the Accept header. */
function wantedFormat(url: URL, accept: string | undefined): 'raw' | 'car' | undefined {
  const format = url.searchParams.get('format')
  if (format === 'raw') return 'raw'
  if (format === 'car') return 'car'
  if (format !== null) return undefined
  if (accept?.includes(RAW)) return 'raw'
  if (accept?.includes(CAR)) return 'car'
  return undefined
}

/** What `/ipfs/{cid}/{path…}` names: a CID (`undefined` when not one) and URL-decoded path segments. */
interface BlockRequest {
  cidText: string
  cid: CID | undefined
  /** Empty for `/ipfs/{cid}`; `undefined` when a segment is not valid URL encoding. */
  segments: string[] | undefined
}

/**
 * Splits a request's path (still URL-encoded) into its CID and path segments, decoding each segment on
 * its own: a map key may hold a `/` (`temp%2Fzarr.json`), which must not split it. Empty segments (a
 * trailing or doubled `/`) are dropped, as gateways clean paths. `undefined` outside `/ipfs/`.
 */
function parseBlockRequest(pathname: string): BlockRequest | undefined {
  const match = /^\/ipfs\/([^/]+)(\/.*)?$/.exec(pathname)
  if (match === null) return undefined
  const cidText = match[1] as string
  let cid: CID | undefined
  try {
    cid = CID.parse(cidText)
  } catch {
    cid = undefined
  }
  let segments: string[] | undefined
  try {
    segments = (match[2] ?? '')
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment))
  } catch {
    segments = undefined
  }
  return { cidText, cid, segments }
}
