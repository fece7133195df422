/** The gateways sent nothing for the configured time: the page gave up. */
export class GatewaySilentError extends Error {
  readonly code = 'ERR_GATEWAY_SILENT'
  constructor(readonly seconds: number) {
    super(`no answer from the gateway for ${seconds} s`)
    this.name = 'GatewaySilentError'
  }
}

/** The person pressed Cancel. */
export class CancelledError extends Error {
  readonly code = 'ERR_CANCELLED'
  constructor() {
    super('cancelled')
    this.name = 'CancelledError'
  }
}

/** A newer request replaced this one (the slider moved on): nothing to show. */
export class SupersededError extends Error {
  readonly code = 'ERR_SUPERSEDED'
  constructor() {
    super('superseded by a newer request')
    this.name = 'SupersededError'
  }
}

/** When the last block arrived from any gateway: a busy operation shows the gateway is alive. */
let lastBlockAt = 0

/** Call when a block arrives. */
export function noteBlock(): void {
  lastBlockAt = performance.now()
}

/**
 * One operation's abort signal, aborted with a {@link GatewaySilentError} when no block arrived for
 * `limitMs` (the gateway is silent, not merely slow), by {@link Watchdog.cancel}, or when replaced.
 * `onTick` gets the elapsed time every 100 ms, for the status line.
 */
export class Watchdog {
  readonly #controller = new AbortController()
  readonly #started = performance.now()
  readonly #timer: ReturnType<typeof setInterval>

  constructor(
    readonly limitMs: number,
    onTick: (elapsedMs: number) => void = () => {},
  ) {
    this.#timer = setInterval(() => {
      const now = performance.now()
      onTick(now - this.#started)
      if (now - Math.max(this.#started, lastBlockAt) >= limitMs) {
        this.#abort(new GatewaySilentError(Math.round(limitMs / 100) / 10))
      }
    }, 100)
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /** Milliseconds since the operation began. */
  get elapsedMs(): number {
    return performance.now() - this.#started
  }

  cancel(): void {
    this.#abort(new CancelledError())
  }

  supersede(): void {
    this.#abort(new SupersededError())
  }

  /** The operation ended: stop watching. */
  stop(): void {
    clearInterval(this.#timer)
  }

  /** The error to report: the abort reason when aborted (fetch's own AbortError says less). */
  reason(error: unknown): unknown {
    return this.signal.aborted ? this.signal.reason : error
  }

  #abort(reason: Error): void {
    clearInterval(this.#timer)
    if (!this.signal.aborted) this.#controller.abort(reason)
  }
}
