/**
 * An HTTP answer as KuboCAS reads it, whichever client fetched it (`fetch`, a ky instance, or in
 * Node undici's `request`): the status, the headers, and a body that is read once.
 */
export interface HttpAnswer {
  /** HTTP status. */
  readonly status: number
  /** A header's value by its lower-case name, or `null` when absent. */
  header(name: string): string | null
  /**
   * The body's chunks. Stopping early, or `signal` aborting, drops the rest of the body (and its
   * connection): not every client stops a body read on abort by itself.
   */
  chunks(signal: AbortSignal): AsyncGenerator<Uint8Array>
  /**
   * The whole body in one go, where that is cheaper than chunk by chunk and the body surely arrives
   * as the server framed it (no content decoding, every header visible), so that a `Content-Length`
   * bounds the bytes handed over. Absent otherwise.
   */
  readonly whole?: ((signal: AbortSignal) => Promise<Uint8Array>) | undefined
  /**
   * The content coding the body's bytes still have (`gzip`, `br`…) when the client hands them over
   * undecoded; `null` when they are the content itself (no coding, or one the client decoded).
   */
  readonly contentEncoding: string | null
  /** Drops what is left of the body, if anything; called once its reader is done, whatever it read. */
  discard(): Promise<void>
}

/** A `fetch` (or ky) `Response` as an {@link HttpAnswer}. */
export function fetchAnswer(response: Response): HttpAnswer {
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    chunks: (signal) => responseChunks(response, signal),
    // Reading in one go costs a third of reading chunk by chunk.
    whole: isIdentityEncoded(response)
      ? async (signal) => new Uint8Array(await untilAborted(response.arrayBuffer(), signal))
      : undefined,
    contentEncoding: null,
    discard: async () => {
      if (!response.bodyUsed) await response.body?.cancel().catch(() => {})
    },
  }
}

/**
 * Whether the body surely arrives as sent: fetch decompresses gzip and brotli, whose Content-Length
 * counts the compressed bytes (a small one could inflate to gigabytes).
 */
function isIdentityEncoded(response: Response): boolean {
  // A browser hides Content-Encoding of a cross-origin answer (`cors`: only safelisted headers are
  // seen), so its absence proves nothing there: such answers are read as capped streams.
  if (response.type !== 'basic' && response.type !== 'default') return false
  const encoding = response.headers.get('content-encoding')
  return encoding === null || encoding.trim() === '' || encoding.trim().toLowerCase() === 'identity'
}

/**
 * `promise`, or the signal's reason as soon as it aborts: not every fetch stops a body read on abort,
 * and the attempt's time limit must end the wait all the same.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
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

async function* responseChunks(response: Response, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (response.body === null) return
  const reader = response.body.getReader()
  const onAbort = (): void => void reader.cancel(signal.reason).catch(() => {})
  signal.addEventListener('abort', onAbort, { once: true })
  let finished = false
  try {
    while (true) {
      signal.throwIfAborted()
      const { done, value } = await reader.read()
      signal.throwIfAborted()
      if (done) {
        finished = true
        return
      }
      yield value
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (!finished) await reader.cancel().catch(() => {})
  }
}

/**
 * `chunks` joined into a buffer of `total` bytes that is the caller's alone: the one chunk itself
 * when it fills its own buffer, else a copy (a client's chunk may be a view into a larger read buffer,
 * which would keep that alive and hand over bytes that are not the body's).
 */
export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const first = chunks[0]
  if (
    chunks.length === 1 &&
    first !== undefined &&
    first.byteOffset === 0 &&
    first.byteLength === first.buffer.byteLength
  ) {
    return first
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
