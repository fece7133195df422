import { type BlockPutter, checkBlock } from '@hamt/car'
import { KuboCAS } from '@hamt/cas-kubo'
import {
  BlockNotFoundError,
  type ByteRange,
  type CallOptions,
  CID,
  type Codec,
  type ContentAddressedStore,
  resolveRange,
  sliceRange,
} from '@hamt/core'
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

/**
 * A Kubo node through its RPC API alone, so `--rpc URL` needs no gateway: `save` is KuboCAS's (Kubo's
 * `add`, Kubo's CIDs), reads are `block/get` (a whole block, checked against its CID) or `cat` (a
 * UnixFS file), and `putBlock` is `block/put` with the block's own codec and hash.
 */
export class RpcStore implements ContentAddressedStore, BlockPutter {
  readonly #kubo: KuboCAS
  readonly #timeoutMs: number

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

  async putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void> {
    const codec = CODEC_NAMES.get(cid.code)
    const hash = HASH_NAMES.get(cid.multihash.code)
    if (codec === undefined || hash === undefined) {
      throw new CliError(
        'ERR_UNSUPPORTED_BLOCK',
        EXIT.data,
        `${cid.toString()}: --rpc stores only raw, dag-cbor and dag-pb blocks hashed with BLAKE3 or SHA2-256`,
      )
    }
    const params = { 'cid-codec': codec, format: codec, mhtype: hash, mhlen: String(cid.multihash.size) }
    const answer = await this.#call('block/put', params, cid, bytes, options)
    let key: unknown
    try {
      key = (JSON.parse(new TextDecoder().decode(answer)) as { Key?: unknown }).Key
    } catch {}
    const stored = typeof key === 'string' ? CID.parse(key) : undefined
    if (stored === undefined || !stored.multihash.bytes.every((byte, i) => byte === cid.multihash.bytes[i])) {
      throw new CliError(
        'ERR_STORE_MISMATCH',
        EXIT.store,
        `${this.url} stored block ${cid.toString()} as ${String(key)}`,
      )
    }
  }

  async #call(
    command: string,
    params: Record<string, string>,
    cid: CID,
    body: Uint8Array | undefined,
    options: CallOptions | undefined,
  ): Promise<Uint8Array> {
    const query = new URLSearchParams({ ...params, timeout: `${Math.ceil(this.#timeoutMs / 1000)}s` })
    const url = `${this.url}/api/v0/${command}?${query}`
    let form: FormData | undefined
    if (body !== undefined) {
      form = new FormData()
      form.append('file', new Blob([body as Uint8Array<ArrayBuffer>]), 'block')
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
