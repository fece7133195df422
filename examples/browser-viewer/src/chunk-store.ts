import type * as zarr from 'zarrita'

/** Metadata keys (Zarr v3 and v2): never counted as chunks. */
const METADATA = /(^|\/)(zarr\.json|\.zarray|\.zattrs|\.zgroup|\.zmetadata)$/

/** Whether `key` names a chunk rather than metadata. */
export function isChunkKey(key: string): boolean {
  return !METADATA.test(key)
}

type Options = Parameters<zarr.AsyncReadable['get']>[1]

/**
 * Chunks already read, by key, up to `maxBytes` (least recently used dropped first): the slider
 * moves a day at a time inside chunks that hold many days, so most steps need no request. Reads in
 * flight are shared.
 */
export class ChunkCache {
  readonly #done = new Map<zarr.AbsolutePath, Uint8Array | undefined>()
  readonly #inFlight = new Map<zarr.AbsolutePath, Promise<Uint8Array | undefined>>()
  #bytes = 0

  constructor(
    readonly store: zarr.AsyncReadable,
    readonly maxBytes = 96 * 1024 * 1024,
  ) {}

  /**
   * A view of the store for one read: `onChunk(cached)` is called once per chunk it gets (not for
   * metadata), so a progress bar counts real chunks only.
   */
  view(onChunk: (cached: boolean) => void = () => {}): zarr.AsyncReadable {
    return {
      get: async (key, options) => {
        if (!isChunkKey(key)) return this.store.get(key, options)
        const cached = this.#done.has(key)
        const value = await this.#get(key, options)
        onChunk(cached)
        return value
      },
    }
  }

  async #get(key: zarr.AbsolutePath, options: Options): Promise<Uint8Array | undefined> {
    if (this.#done.has(key)) {
      const value = this.#done.get(key)
      this.#done.delete(key)
      this.#done.set(key, value)
      return value
    }
    const signal = (options as { signal?: AbortSignal } | undefined)?.signal
    let pending = this.#inFlight.get(key)
    if (pending === undefined) {
      // Removed from the in-flight map before anyone sees the outcome, so a retry asks afresh.
      pending = this.store.get(key, options).then(
        (value) => {
          this.#inFlight.delete(key)
          this.#remember(key, value)
          return value
        },
        (error: unknown) => {
          this.#inFlight.delete(key)
          throw error
        },
      )
      this.#inFlight.set(key, pending)
    }
    try {
      return await pending
    } catch (error) {
      // Another read's cancellation is not ours: ask again.
      if (signal?.aborted !== true && isAbort(error)) return this.#get(key, options)
      throw error
    }
  }

  #remember(key: zarr.AbsolutePath, value: Uint8Array | undefined): void {
    this.#done.set(key, value)
    this.#bytes += value?.length ?? 0
    for (const [oldKey, oldValue] of this.#done) {
      if (this.#bytes <= this.maxBytes) break
      this.#done.delete(oldKey)
      this.#bytes -= oldValue?.length ?? 0
    }
  }
}

/** An abort of the read that started the request (the slider moved on, or Cancel). */
function isAbort(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return (
    (error instanceof Error && error.name === 'AbortError') || code === 'ERR_SUPERSEDED' || code === 'ERR_CANCELLED'
  )
}
