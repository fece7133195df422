import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'

/** Where the gateway finds a block: its bytes, or `undefined` when it has none. */
export type BlockSource = (cid: CID) => Promise<Uint8Array | undefined>

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
  /** Blocks sent as a CAR (`?format=car` or `Accept: application/vnd.ipld.car`). */
  car: number
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
 * gateway does (raw blocks, or a CAR holding the one block), and the same dataset as plain Zarr files
 * at `/zarr/{path}`, for zarrita's `FetchStore`. It counts the requests it answers.
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
    const path = decodeURIComponent(url.pathname)
    if (path.startsWith('/zarr/')) {
      const file = this.#files.get(path.slice('/zarr/'.length))
      if (file === undefined) return text(404, `no file ${path}`)
      this.#counts.files++
      return { status: 200, type: 'application/octet-stream', body: file }
    }
    const match = /^\/ipfs\/([^/]+)$/.exec(path)
    if (match === null) return text(404, `no route ${path}`)
    let cid: CID
    try {
      cid = CID.parse(match[1] as string)
    } catch {
      return text(400, `not a CID: ${match[1]}`)
    }
    const format = wantedFormat(url, request.headers.accept)
    if (format === undefined) return text(406, `ask for ?format=raw or ?format=car (Accept: ${RAW} or ${CAR})`)
    const block = await this.#blocks(cid)
    if (block === undefined) return text(404, `no block ${cid.toString()}`)
    if (format === 'raw') {
      this.#counts.raw++
      return { status: 200, type: RAW, body: block }
    }
    this.#counts.car++
    return { status: 200, type: CAR, body: await singleBlockCar(cid, block) }
  }
}

interface Answer {
  status: number
  type: string
  body: Uint8Array
}

function emptyCounts(): RequestCounts {
  return { raw: 0, car: 0, files: 0, failed: 0, total: 0 }
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

/** A CAR (v1) whose root is `cid` and which holds that one block. */
async function singleBlockCar(cid: CID, bytes: Uint8Array): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([cid])
  const parts: Uint8Array[] = []
  const collected = (async () => {
    for await (const part of out) parts.push(part)
  })()
  await writer.put({ cid, bytes })
  await writer.close()
  await collected
  const car = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    car.set(part, at)
    at += part.byteLength
  }
  return car
}
