import { KuboCAS } from '@hamt/cas-kubo'
import type { ByteRange, CallOptions, CID, ContentAddressedStore } from '@hamt/core'

/** The gateway URLs in the gateway box: one or several, separated by spaces, commas or new lines. */
export function parseGateways(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((url) => url.trim())
    .filter((url) => url !== '')
}

/** Options of {@link GatewayReader}. */
export interface GatewayReaderOptions {
  /** Per-request time limit, ms: after it, the next gateway is asked. */
  requestTimeoutMs: number
  /** Called whenever a block arrives, for the silence watchdog. */
  onBlock?: () => void
}

/**
 * A read-only store over one or several gateways, each a trustless `KuboCAS` (every block checked
 * against its CID, so any gateway is safe). A block is asked of the gateway that answered last; when
 * that one fails (unreachable, a timeout, 5xx, or it lacks the block) the others are tried in turn,
 * and the error shown is the first gateway's.
 */
export class GatewayReader implements ContentAddressedStore {
  readonly gateways: string[]
  readonly #cas: KuboCAS[]
  readonly #onBlock: (() => void) | undefined
  #preferred = 0

  constructor(gateways: string[], options: GatewayReaderOptions) {
    this.gateways = gateways
    // A page gives up sooner than a batch job: one retry, and the caller's time limit.
    this.#cas = gateways.map(
      (gatewayBaseUrl) =>
        new KuboCAS({
          gatewayBaseUrl,
          trustless: true,
          maxRetries: 1,
          initialDelayMs: 200,
          timeoutMs: Math.max(1, Math.round(options.requestTimeoutMs)),
        }),
    )
    this.#onBlock = options.onBlock
  }

  save(): Promise<CID> {
    return Promise.reject(new Error('the viewer only reads'))
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    let firstError: unknown
    for (let i = 0; i < this.#cas.length; i++) {
      const index = (this.#preferred + i) % this.#cas.length
      try {
        const bytes = await (this.#cas[index] as KuboCAS).load(id, range, options)
        this.#preferred = index
        this.#onBlock?.()
        return bytes
      } catch (error) {
        if (options?.signal?.aborted) throw error
        firstError ??= error
      }
    }
    throw firstError
  }

  /** Aborts every request in flight. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#cas.map((cas) => cas.close()))
  }
}
