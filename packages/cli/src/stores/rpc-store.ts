import { type BlockPutter, checkBlock } from '@hamt/car'
import { KuboCAS } from '@hamt/cas-kubo'
import {
  BlockNotFoundError,
  type ByteRange,
  type CallOptions,
  type CID,
  type Codec,
  type ContentAddressedStore,
  resolveRange,
  sliceRange,
} from '@hamt/core'
import { CarWriter } from '@ipld/car/writer'
import { CliError, EXIT } from '../exit-codes.js'

const RAW = 0x55
const DAG_PB = 0x70
const CODEC_NAMES: ReadonlyMap<number, string> = new Map([
  [RAW, 'raw'],
  [0x71, 'dag-cbor'],
  [DAG_PB, 'dag-pb'],
])
const HASH_NAMES: ReadonlyMap<number, string> = new Map([
  [0x1e, 'blake3'],
  [0x12, 'sha2-256'],
])
/** Bytes of blocks that make a `dag/import` request go at once. */
const BATCH_BYTES = 8 * 1024 * 1024

interface PendingBlock {
  cid: CID
  bytes: Uint8Array
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * A Kubo node through its RPC API alone, so `--rpc URL` needs no gateway: `save` is KuboCAS's (Kubo's
 * `add`, Kubo's CIDs), reads are `block/get` (a whole block, checked against its CID) or `cat` (a
 * UnixFS file), and `putBlock` sends blocks in batches through `dag/import`.
 */
export class RpcStore implements ContentAddressedStore, BlockPutter {
  readonly #kubo: KuboCAS
  readonly #timeoutMs: number
  #batch: PendingBlock[] = []
  #batchBytes = 0

  constructor(
    readonly url: string,
    timeoutMs: number,
  ) {
    this.#kubo = new KuboCAS({ rpcBaseUrl: url, timeoutMs, maxRetries: 1 })
    this.#timeoutMs = timeoutMs
  }

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.#kubo.save(data, codec, options)
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    if (id.code === DAG_PB) {
      // A UnixFS file: its content, as the gateway would serve it.
      const params: Record<string, string> = { arg: id.toString() }
      if (range !== undefined && !('suffix' in range)) {
        resolveRange(range, Number.MAX_SAFE_INTEGER)
        params.offset = String(range.offset)
        if (range.length !== undefined) params.length = String(range.length)
        return this.#call('cat', params, id, undefined, options)
      }
      return sliceRange(await this.#call('cat', params, id, undefined, options), range)
    }
    const bytes = await this.#call('block/get', { arg: id.toString() }, id, undefined, options)
    await checkBlock(id, bytes, `from ${this.url}`)
    return sliceRange(bytes, range)
  }

  /**
   * Queues a block for the node. Blocks queued together (those put before the event loop turns, up to
   * 8 MiB) go in one `dag/import` request, as a CAR: one request per batch instead of one `block/put`
   * per block. Resolves once the node has taken the block's batch.
   */
  putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    if (!CODEC_NAMES.has(cid.code) || !HASH_NAMES.has(cid.multihash.code)) {
      return Promise.reject(
        new CliError(
          'ERR_UNSUPPORTED_BLOCK',
          EXIT.data,
          `${cid.toString()}: --rpc stores only raw, dag-cbor and dag-pb blocks hashed with BLAKE3 or SHA2-256`,
        ),
      )
    }
    return new Promise((resolve, reject) => {
      this.#batch.push({ cid, bytes, resolve, reject })
      this.#batchBytes += bytes.length
      if (this.#batchBytes >= BATCH_BYTES) this.#flush()
      else if (this.#batch.length === 1) setTimeout(() => this.#flush(), 0)
    })
  }

  #flush(): void {
    const batch = this.#batch
    if (batch.length === 0) return
    this.#batch = []
    this.#batchBytes = 0
    this.#importBatch(batch).then(
      () => {
        for (const entry of batch) entry.resolve()
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error)
      },
    )
  }

  async #importBatch(batch: readonly PendingBlock[]): Promise<void> {
    const first = batch[0] as PendingBlock
    const { writer, out } = CarWriter.create([first.cid])
    const chunks: Uint8Array[] = []
    const collected = (async () => {
      for await (const chunk of out) chunks.push(chunk)
    })()
    for (const { cid, bytes } of batch) await writer.put({ cid, bytes })
    await writer.close()
    await collected
    // The roots of these CARs are arbitrary blocks of a batch: not pinned (`import --pin` pins the real ones).
    const answer = await this.#call(
      'dag/import',
      { 'pin-roots': 'false' },
      first.cid,
      chunks as Uint8Array<ArrayBuffer>[],
      undefined,
    )
    // A streamed command can fail after its 200: the error comes as a JSON line of the body.
    for (const line of new TextDecoder().decode(answer).split('\n')) {
      if (!line.includes('"Type":"error"')) continue
      const message = (JSON.parse(line) as { Message?: string }).Message ?? line
      throw new CliError('ERR_STORE', EXIT.store, `--rpc ${this.url}: dag/import failed: ${message}`)
    }
  }

  async #call(
    command: string,
    params: Record<string, string>,
    cid: CID,
    body: Uint8Array<ArrayBuffer>[] | undefined,
    options: CallOptions | undefined,
  ): Promise<Uint8Array> {
    const query = new URLSearchParams({ ...params, timeout: `${Math.ceil(this.#timeoutMs / 1000)}s` })
    const url = `${this.url}/api/v0/${command}?${query}`
    let form: FormData | undefined
    if (body !== undefined) {
      form = new FormData()
      form.append('file', new Blob(body), 'blocks')
    }
    const signals = [AbortSignal.timeout(this.#timeoutMs + 5000)]
    if (options?.signal !== undefined) signals.push(options.signal)
    let response: Response
    try {
      response = await fetch(url, { method: 'POST', body: form ?? null, signal: AbortSignal.any(signals) })
    } catch (cause) {
      options?.signal?.throwIfAborted()
      throw new CliError('ERR_STORE', EXIT.store, `--rpc ${this.url}: ${command} failed: ${(cause as Error).message}`, {
        cause,
      })
    }
    const bytes = new Uint8Array(await response.arrayBuffer())
    if (response.ok) return bytes
    const text = new TextDecoder().decode(bytes.subarray(0, 500))
    if (/not found|could not find|deadline|timed? ?out|no link named|ENOENT|no such file/i.test(text)) {
      throw new BlockNotFoundError(cid, `${this.url} (${command}: ${text.trim()})`)
    }
    throw new CliError(
      'ERR_STORE',
      EXIT.store,
      `--rpc ${this.url}: ${command} of ${cid.toString()} → HTTP ${response.status}: ${text.trim()}`,
    )
  }

  /** Pins `cid` and everything under it on the node (`pin/add`, recursive). */
  pin(cid: CID, options?: CallOptions): Promise<void> {
    return this.#kubo.pin(cid, options)
  }

  async close(): Promise<void> {
    await this.#kubo.close()
  }
}
