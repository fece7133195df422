import type { KyInstance } from 'ky'
import type pLimit from 'p-limit'
import { ClosedError, KuboRequestError, type RequestContext } from './errors.js'

/** How requests are retried and timed. */
export interface RetryPolicy {
  maxRetries: number
  initialDelayMs: number
  backoffFactor: number
  timeoutMs: number
}

/** One HTTP request as KuboCAS makes it. */
export interface RequestSpec extends RequestContext {
  method: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: () => FormData
  /** Statuses handed back to the caller (all others are errors; 429 and 5xx are retried first). */
  accept: (status: number) => boolean
  signal?: AbortSignal | undefined
}

/** A response with its body read in full. */
export interface FullResponse {
  status: number
  headers: Headers
  body: Uint8Array
  attempts: number
}

const ERROR_TEXT_LIMIT = 300

/**
 * Runs requests for one KuboCAS: every attempt takes a slot of the shared concurrency limit, has its
 * own timeout (body included), and failures that may be transient are retried with exponential
 * backoff and jitter, honouring `Retry-After`.
 */
export class RequestRunner {
  readonly #ky: KyInstance
  readonly #limit: ReturnType<typeof pLimit>
  readonly #policy: RetryPolicy
  #closed = false
  /** What to do on close, for each request waiting, in flight or sleeping. */
  readonly #onClose = new Set<() => void>()

  constructor(kyInstance: KyInstance, limit: ReturnType<typeof pLimit>, policy: RetryPolicy) {
    this.#ky = kyInstance
    this.#limit = limit
    this.#policy = policy
  }

  /** Whether {@link RequestRunner.close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Fails every request waiting, in flight or sleeping with a ClosedError, and every later one. */
  close(): void {
    this.#closed = true
    this.#limit.clearQueue()
    for (const callback of [...this.#onClose]) callback()
    this.#onClose.clear()
  }

  async request(spec: RequestSpec): Promise<FullResponse> {
    const { maxRetries } = this.#policy
    let lastError: unknown
    let lastStatus: number | undefined
    let lastText: string | undefined
    let lastReason = ''
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      this.#checkLive(spec)
      let retryAfterMs: number | undefined
      try {
        const response = await this.#limited(() => this.#attempt(spec), spec)
        if (spec.accept(response.status)) return { ...response, attempts: attempt }
        lastStatus = response.status
        lastText = errorText(response.body)
        lastError = undefined
        lastReason = statusReason(response.status)
        if (!isRetryableStatus(response.status) || isCommandError(response.status, response.body)) {
          throw new KuboRequestError(spec, {
            status: response.status,
            attempts: attempt,
            reason: lastReason,
            responseText: lastText,
          })
        }
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
      } catch (error) {
        if (error instanceof KuboRequestError) throw error
        this.#checkLive(spec)
        lastError = error
        lastStatus = undefined
        lastText = undefined
        lastReason =
          error instanceof AttemptTimeout
            ? error.message
            : `network error: ${(error as Error)?.message ?? String(error)}`
      }
      if (attempt <= maxRetries) await this.#sleep(this.#backoff(attempt, retryAfterMs), spec)
    }
    throw new KuboRequestError(
      spec,
      {
        status: lastStatus,
        attempts: maxRetries + 1,
        reason: `${lastReason} (retries exhausted)`,
        responseText: lastText,
      },
      lastError === undefined ? undefined : { cause: lastError },
    )
  }

  /** Runs `task` in a slot of the concurrency limit; leaves the queue at once if the call is aborted. */
  #limited<T>(task: () => Promise<T>, spec: RequestSpec): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const cleanup = (): void => {
        spec.signal?.removeEventListener('abort', onAbort)
        this.#onClose.delete(onAbort)
      }
      const onAbort = (): void => {
        cleanup()
        try {
          this.#checkLive(spec)
        } catch (error) {
          settled = true
          reject(error)
        }
      }
      spec.signal?.addEventListener('abort', onAbort, { once: true })
      this.#onClose.add(onAbort)
      this.#limit(async () => {
        if (settled) return
        try {
          resolve(await task())
        } catch (error) {
          reject(error)
        } finally {
          cleanup()
        }
      }).catch(reject)
    })
  }

  async #attempt(spec: RequestSpec): Promise<Omit<FullResponse, 'attempts'>> {
    const controller = new AbortController()
    const { timeoutMs } = this.#policy
    const timer = setTimeout(() => controller.abort(new AttemptTimeout(timeoutMs)), timeoutMs)
    const onAbort = (): void => controller.abort(spec.signal?.reason)
    const onClose = (): void => controller.abort(new ClosedError(spec.operation))
    spec.signal?.addEventListener('abort', onAbort, { once: true })
    this.#onClose.add(onClose)
    try {
      const response = await this.#ky(spec.url, {
        method: spec.method,
        // ky treats `headers: undefined` as "no headers", dropping the instance's own.
        ...(spec.headers === undefined ? {} : { headers: spec.headers }),
        ...(spec.body === undefined ? {} : { body: spec.body() }),
        signal: controller.signal,
        retry: 0,
        timeout: false,
        throwHttpErrors: false,
      })
      const body = new Uint8Array(await response.arrayBuffer())
      return { status: response.status, headers: response.headers, body }
    } catch (error) {
      // fetch reports every abort alike; say which one it was.
      if (controller.signal.aborted) throw controller.signal.reason
      throw error
    } finally {
      clearTimeout(timer)
      spec.signal?.removeEventListener('abort', onAbort)
      this.#onClose.delete(onClose)
    }
  }

  #checkLive(spec: RequestSpec): void {
    if (this.#closed) throw new ClosedError(spec.operation)
    spec.signal?.throwIfAborted()
  }

  #backoff(attempt: number, retryAfterMs: number | undefined): number {
    const { initialDelayMs, backoffFactor } = this.#policy
    const base = initialDelayMs * backoffFactor ** (attempt - 1)
    // "Equal jitter": at least half the exponential delay, so retries of many callers spread out.
    const jittered = base / 2 + Math.random() * (base / 2)
    return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered)
  }

  #sleep(ms: number, spec: RequestSpec): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        spec.signal?.removeEventListener('abort', onAbort)
        this.#onClose.delete(onAbort)
      }
      const onAbort = (): void => {
        done()
        try {
          this.#checkLive(spec)
        } catch (error) {
          reject(error)
        }
      }
      const timer = setTimeout(() => {
        done()
        resolve()
      }, ms)
      spec.signal?.addEventListener('abort', onAbort, { once: true })
      this.#onClose.add(onAbort)
    })
  }
}

/** An attempt ran past `timeoutMs`. */
class AttemptTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`)
    this.name = 'AttemptTimeout'
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500
}

/**
 * Kubo answers a command that failed (unpinning what is not pinned, a bad argument) with 500 and a
 * JSON body `{ Message, Code, Type: "error" }`. Asking again gives the same answer, so it is final.
 */
function isCommandError(status: number, body: Uint8Array): boolean {
  if (status !== 500 || body.length === 0 || body[0] !== 0x7b) return false
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body))
    return typeof parsed === 'object' && parsed !== null && (parsed as { Type?: unknown }).Type === 'error'
  } catch {
    return false
  }
}

function statusReason(status: number): string {
  if (status === 429) return 'too many requests'
  if (status >= 500) return 'server error'
  return 'request rejected'
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

function errorText(body: Uint8Array): string | undefined {
  if (body.length === 0) return undefined
  const text = new TextDecoder().decode(body.subarray(0, ERROR_TEXT_LIMIT * 4)).trim()
  if (text === '') return undefined
  return text.length > ERROR_TEXT_LIMIT ? `${text.slice(0, ERROR_TEXT_LIMIT)}…` : text
}
