import { Worker } from 'node:worker_threads'
import { CID } from '@hamt/core'
import type { RequestCounts } from './server.js'

/** A request that arrived at the gateway: when (ms since the epoch, sub-ms precision) and its path. */
export interface Arrival {
  at: number
  path: string
}

/** What the main thread asks of the gateway's thread. */
export type GatewayRequest =
  | { kind: 'serve-issue-dataset'; consolidated: boolean }
  | { kind: 'serve-big-hamt'; chunks: number; probe: number; consolidated: boolean }
  | { kind: 'set-rtt'; rttMs: number }
  | { kind: 'take-log' }
  | { kind: 'close' }

/** What the gateway's thread answers. */
export type GatewayResponse =
  | {
      kind: 'serving'
      url: string
      roots: { hamt: Uint8Array; sharded?: Uint8Array }
      chunks: number
      depths?: BigHamtDepths
    }
  | { kind: 'log'; counts: RequestCounts; arrivals: Arrival[] }
  | { kind: 'done' }
  | { kind: 'failed'; message: string }

/** Nodes on two paths of the big HAMT, root included. */
export interface BigHamtDepths {
  /** On the path of the chunk probed. */
  chunk: number
  /**
   * On the path of the `zarr.json` a reader waits for before the array opens: the array's own, or with
   * consolidated metadata the root group's (`ZarrHAMTStore` answers the array's from it).
   */
  metadata: number
  /** The key of that `zarr.json`: `big/zarr.json`, or `zarr.json` when consolidated. */
  metadataKey: string
}

/** The requests of one read: their counts and when each arrived. */
export interface RequestLog {
  counts: RequestCounts
  arrivals: Arrival[]
}

/**
 * A {@link DelayedGateway} on its own thread (`gateway-worker.ts`), serving a dataset it built there:
 * the reader measured on the main thread shares no event loop or heap with it.
 */
export class RemoteGateway {
  readonly #worker: Worker
  #queue: Promise<unknown> = Promise.resolve()
  /** Base URL (`http://127.0.0.1:port`). */
  url = ''
  /** Root of the HAMT layout (or of the big HAMT). */
  hamtRoot: CID | undefined
  /** Root of the sharded layout, for the issue's dataset. */
  shardedRoot: CID | undefined
  /** Chunks in the dataset served. */
  chunks = 0
  /** For the big HAMT: the depths of the chunk probed and of the metadata. */
  depths: BigHamtDepths | undefined

  private constructor() {
    // Workers inherit the process's `--conditions` (sources of the workspace packages); tsx is registered by the entry.
    this.#worker = new Worker(new URL('./gateway-worker.mjs', import.meta.url))
  }

  /**
   * Starts a gateway thread serving the issue's dataset (plain files, HAMT and sharded layouts), its
   * metadata consolidated or not.
   */
  static async issueDataset(consolidated: boolean): Promise<RemoteGateway> {
    return new RemoteGateway().#serve({ kind: 'serve-issue-dataset', consolidated })
  }

  /**
   * Starts a gateway thread serving a HAMT of `chunks` one-value chunks (`buildBigHamt`), its metadata
   * consolidated or not, and finds the depth of chunk `probe`.
   */
  static async bigHamt(chunks: number, probe: number, consolidated: boolean): Promise<RemoteGateway> {
    return new RemoteGateway().#serve({ kind: 'serve-big-hamt', chunks, probe, consolidated })
  }

  /** Base URL of the plain Zarr files, for `new FetchStore(...)`. */
  get filesUrl(): string {
    return `${this.url}/zarr`
  }

  /** Sets the delay before every answer. */
  async setRtt(rttMs: number): Promise<void> {
    await this.#ask({ kind: 'set-rtt', rttMs })
  }

  /** The requests answered since the last call (or the start), and starts a new log. */
  async takeLog(): Promise<RequestLog> {
    const answer = await this.#ask({ kind: 'take-log' })
    if (answer.kind !== 'log') throw new Error(`the gateway thread answered ${answer.kind} to take-log`)
    return { counts: answer.counts, arrivals: answer.arrivals }
  }

  /** Stops the gateway and its thread. */
  async close(): Promise<void> {
    await this.#ask({ kind: 'close' }).catch(() => undefined)
    await this.#worker.terminate()
  }

  async #serve(request: GatewayRequest): Promise<this> {
    const answer = await this.#ask(request)
    if (answer.kind !== 'serving') throw new Error(`the gateway thread answered ${answer.kind} to ${request.kind}`)
    this.url = answer.url
    this.hamtRoot = CID.decode(answer.roots.hamt)
    this.shardedRoot = answer.roots.sharded === undefined ? undefined : CID.decode(answer.roots.sharded)
    this.chunks = answer.chunks
    this.depths = answer.depths
    return this
  }

  /** Sends one request and waits for its answer; requests go one at a time, so answers match. */
  #ask(request: GatewayRequest): Promise<GatewayResponse> {
    const asked = this.#queue.then(
      () =>
        new Promise<GatewayResponse>((resolve, reject) => {
          const onError = (error: Error): void => reject(error)
          this.#worker.once('error', onError)
          this.#worker.once('message', (answer: GatewayResponse) => {
            this.#worker.off('error', onError)
            if (answer.kind === 'failed') reject(new Error(`gateway thread: ${answer.message}`))
            else resolve(answer)
          })
          this.#worker.postMessage(request)
        }),
    )
    this.#queue = asked.catch(() => undefined)
    return asked
  }
}
