import { KuboCAS } from '@hamt/cas-kubo'
import type { Block, ByteRange, CallOptions, CID, ContentAddressedStore } from '@hamt/core'

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
 * A read-only store over one or several gateways: one trustless `KuboCAS` (every block checked
 * against its CID, so any gateway is safe) that sets a failing or slow gateway aside and asks the
 * next, and tells the page's silence watchdog whenever a block arrives. It passes on `loadPath`, so
 * the viewer reads a key's chain of HAMT nodes in one request as any reader does.
 */
export class GatewayReader implements ContentAddressedStore {
  readonly gateways: string[]
  readonly #cas: KuboCAS
  readonly #onBlock: (() => void) | undefined

  constructor(gateways: string[], options: GatewayReaderOptions) {
    this.gateways = gateways
    // A page gives up sooner than a batch job: one retry, and the caller's time limit.
    this.#cas = new KuboCAS({
      gatewayBaseUrls: gateways,
      trustless: true,
      maxRetries: 1,
      initialDelayMs: 200,
      timeoutMs: Math.max(1, Math.round(options.requestTimeoutMs)),
    })
    this.#onBlock = options.onBlock
  }

  save(): Promise<CID> {
    return Promise.reject(new Error('the viewer only reads'))
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const bytes = await this.#cas.load(id, range, options)
    this.#onBlock?.()
    return bytes
  }

  /**
   * A block and the blocks on an IPLD path below it in one request (a gateway's path CAR, each block
   * checked): how a HAMT reads a key's whole chain of nodes in one round trip.
   */
  async loadPath(root: CID, path: readonly string[], options?: CallOptions): Promise<readonly Block[]> {
    const blocks = await this.#cas.loadPath(root, path, options)
    this.#onBlock?.()
    return blocks
  }

  /** Aborts every request in flight. */
  close(): Promise<void> {
    return this.#cas.close()
  }
}
