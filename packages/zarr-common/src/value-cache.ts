/**
 * Whole values kept for range reads, keyed by the CID of their block: least recently used first out
 * once `maxBytes` is passed, and one load for any number of concurrent requests of the same block
 * (zarrita reads a shard's index and then many of its inner chunks at once).
 */
export class ValueCache {
  readonly #values = new Map<string, Uint8Array>()
  readonly #pending = new Map<string, Promise<Uint8Array>>()
  #bytes = 0

  constructor(
    /** Byte budget: past it, least recently used values go first; a bigger value is not kept at all. */
    readonly maxBytes: number,
  ) {}

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes
  }

  /** The cached value of `key`, or the result of `load()` (shared by concurrent callers). */
  get(key: string, load: () => Promise<Uint8Array>): Uint8Array | Promise<Uint8Array> {
    const hit = this.#values.get(key)
    if (hit !== undefined) {
      this.#values.delete(key)
      this.#values.set(key, hit)
      return hit
    }
    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = load().then(
        (value) => {
          this.#pending.delete(key)
          this.#add(key, value)
          return value
        },
        (error: unknown) => {
          this.#pending.delete(key)
          throw error
        },
      )
      this.#pending.set(key, pending)
    }
    return pending
  }

  /** Drops every value held (loads in flight still complete and are kept). */
  clear(): void {
    this.#values.clear()
    this.#bytes = 0
  }

  #add(key: string, value: Uint8Array): void {
    // A value bigger than the whole budget would only evict everything else for nothing.
    if (this.#values.has(key) || value.length > this.maxBytes) return
    this.#values.set(key, value)
    this.#bytes += value.length
    for (const [oldKey, old] of this.#values) {
      if (this.#bytes <= this.maxBytes) break
      this.#values.delete(oldKey)
      this.#bytes -= old.length
    }
  }
}

/**
 * Waits for `promise` but gives up as soon as `signal` aborts, without cancelling the shared work
 * behind the promise (other callers may still need it).
 */
export function abortable<T>(promise: T | Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return Promise.resolve(promise)
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
