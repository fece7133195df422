import { CarWriter } from '@ipld/car/writer'
import { toHex } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { InvalidResponseError } from './errors.js'

/** How `save` batches blocks into `dag/import` CARs (see `KuboCASOptions.bulkWrites`). */
export interface BulkWriteOptions {
  /** Blocks per CAR at most. Default 1000. */
  maxBlocks?: number
  /** Bytes of block data per CAR at most. Default 8 MiB. */
  maxBytes?: number
  /** How long a batch waits for more blocks after its first one, in ms. Default 5. */
  delayMs?: number
}

/** Sends one CAR to `dag/import`; resolves with the answer's body once Kubo has every block. */
export type ImportCar = (car: Blob, roots: readonly CID[]) => Promise<Uint8Array>

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

interface Batch {
  blocks: Map<string, { cid: CID; bytes: Uint8Array; waiters: Waiter[] }>
  bytes: number
  timer: ReturnType<typeof setTimeout> | undefined
}

const RAW = 0x55

/**
 * Gathers the blocks saved within a few ms of each other into CAR files sent to Kubo's `dag/import`,
 * one request per batch instead of one `add` per block. Each block goes in under its raw CID (as
 * `add` stores a single chunk) and, when pinning, is a root of its CAR, so it is pinned as `add`
 * pins it. A save resolves once Kubo answered for the whole batch.
 */
export class BulkImporter {
  readonly #maxBlocks: number
  readonly #maxBytes: number
  readonly #delayMs: number
  readonly #send: ImportCar
  readonly #pin: boolean
  readonly #url: string
  #batch: Batch | undefined

  /** `url` names the `dag/import` endpoint in errors. */
  constructor(options: Required<BulkWriteOptions>, pin: boolean, url: string, send: ImportCar) {
    this.#url = url
    this.#maxBlocks = options.maxBlocks
    this.#maxBytes = options.maxBytes
    this.#delayMs = options.delayMs
    this.#pin = pin
    this.#send = send
  }

  /** Adds the block `bytes` (whose multihash `cid` carries) to the current batch. */
  add(cid: CID, bytes: Uint8Array): Promise<void> {
    const rawCid = cid.code === RAW ? cid : CID.createV1(RAW, cid.multihash)
    return new Promise<void>((resolve, reject) => {
      if (this.#batch === undefined) {
        const batch: Batch = { blocks: new Map(), bytes: 0, timer: undefined }
        batch.timer = setTimeout(() => this.#flush(batch), this.#delayMs)
        this.#batch = batch
      }
      const batch = this.#batch
      const key = rawCid.toString()
      const entry = batch.blocks.get(key)
      if (entry !== undefined) entry.waiters.push({ resolve, reject })
      else {
        batch.blocks.set(key, { cid: rawCid, bytes, waiters: [{ resolve, reject }] })
        batch.bytes += bytes.length
      }
      if (batch.blocks.size >= this.#maxBlocks || batch.bytes >= this.#maxBytes) this.#flush(batch)
    })
  }

  #flush(batch: Batch): void {
    clearTimeout(batch.timer)
    if (this.#batch === batch) this.#batch = undefined
    const entries = [...batch.blocks.values()]
    const waiters = entries.flatMap((entry) => entry.waiters)
    this.#import(entries).then(
      () => {
        for (const waiter of waiters) waiter.resolve()
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error)
      },
    )
  }

  async #import(entries: Array<{ cid: CID; bytes: Uint8Array }>): Promise<void> {
    const roots = entries.map((entry) => entry.cid)
    const car = await encodeCar(roots, entries)
    const answer = await this.#send(car, roots)
    if (this.#pin) checkPinned(answer, roots, this.#url)
  }
}

/** A CARv1 of `blocks` with `roots`, as a Blob (copied, so later changes to the bytes cannot leak in). */
async function encodeCar(roots: CID[], blocks: Array<{ cid: CID; bytes: Uint8Array }>): Promise<Blob> {
  const { writer, out } = CarWriter.create(roots)
  const parts: Uint8Array[] = []
  const collected = (async () => {
    for await (const part of out) parts.push(part)
  })()
  for (const block of blocks) await writer.put(block)
  await writer.close()
  await collected
  return new Blob(parts as Uint8Array<ArrayBuffer>[])
}

/** `dag/import` answers one `{"Root": {"Cid": {"/": …}, "PinErrorMsg": …}}` line per root it pinned. */
function checkPinned(answer: Uint8Array, roots: readonly CID[], url: string): void {
  const pinned = new Set<string>()
  for (const line of new TextDecoder().decode(answer).split('\n')) {
    if (line.trim() === '') continue
    let root: { Cid?: { '/'?: unknown }; PinErrorMsg?: unknown } | undefined
    try {
      root = (JSON.parse(line) as { Root?: typeof root }).Root
    } catch {
      throw new InvalidResponseError({ url, cid: undefined }, `a line of the answer is not JSON: ${line}`)
    }
    if (root === undefined) continue
    if (typeof root.PinErrorMsg === 'string' && root.PinErrorMsg !== '') {
      throw new InvalidResponseError(
        { url, cid: undefined },
        `Kubo could not pin ${String(root.Cid?.['/'])}: ${root.PinErrorMsg}`,
      )
    }
    if (typeof root.Cid?.['/'] === 'string') pinned.add(toHex(CID.parse(root.Cid['/']).multihash.bytes))
  }
  // Kubo may name a root with another codec than the CAR's: compare multihashes.
  const missing = roots.filter((cid) => !pinned.has(toHex(cid.multihash.bytes)))
  if (missing.length > 0) {
    throw new InvalidResponseError(
      { url, cid: missing[0] },
      `Kubo did not report pinning ${missing.length} of the ${roots.length} blocks imported`,
    )
  }
}
