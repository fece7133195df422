import { BlockNotFoundError, HamtError } from '@hamt/core'
import type pLimit from 'p-limit'
import { concat, type HttpAnswer } from './answer.js'
import {
  ClosedError,
  IntegrityError,
  InvalidResponseError,
  KuboRequestError,
  type RequestContext,
  ResponseTooLargeError,
  RetryLaterError,
  UnverifiableError,
} from './errors.js'
import type { Send } from './send.js'
import type { TargetPool } from './targets.js'

/** How requests are retried and timed. */
export interface RetryPolicy {
  maxRetries: number
  initialDelayMs: number
  backoffFactor: number
  timeoutMs: number
  /** Longest `Retry-After` waited for; a longer one fails at once with a RetryLaterError. */
  maxRetryAfterMs: number
  /** When set, a second request goes to another target if the first has not finished after this. */
  hedgeDelayMs: number | undefined
}

/** One HTTP request as KuboCAS makes it. */
export interface AttemptSpec extends RequestContext {
  method: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: () => FormData
  signal?: AbortSignal | undefined
  /** Called when the request gets its slot of the concurrency limit and starts. */
  onStart?: (() => void) | undefined
}

/** A request run against one of several targets (gateways, or the one RPC API). */
export interface RunSpec extends Omit<AttemptSpec, 'url'> {
  /** The URL of the request on `target`. */
  url: (target: string) => string
  /** Retries once every target was tried, instead of the policy's: for a request with a fallback. */
  maxRetries?: number | undefined
}

/** Reads a response within the attempt's time limit; `signal` aborts when the attempt does. */
export type ResponseReader<T> = (answer: HttpAnswer, signal: AbortSignal, url: string) => Promise<T>

/** A response status the caller does not accept. `final` ones are not retried. */
export class StatusError extends Error {
  constructor(
    readonly status: number,
    /** The answer's `Retry-After`, if any. */
    readonly retryAfter: string | null,
    readonly text: string | undefined,
    readonly final: boolean,
  ) {
    super(`HTTP ${status}`)
    this.name = 'StatusError'
  }
}

/** An attempt ran past `timeoutMs`. */
class AttemptTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`)
    this.name = 'AttemptTimeout'
  }
}

/** Errors that say one server sent bad data: another server may do better. */
function isServerFault(error: unknown): boolean {
  return (
    error instanceof IntegrityError || error instanceof ResponseTooLargeError || error instanceof InvalidResponseError
  )
}

const ERROR_TEXT_LIMIT = 300
/** Most bytes of an error response read, to quote the server's explanation. */
const ERROR_BODY_LIMIT = 64 * 1024

interface Failure {
  target: string
  url: string
  error: unknown
}

type Outcome<T> = { value: T; winner: string; losers: string[] } | { failures: Failure[] }

/**
 * Runs requests for one KuboCAS: every attempt takes a slot of the shared concurrency limit, has its
 * own timeout (body included), and failures that may be transient are retried with exponential
 * backoff and jitter, honouring `Retry-After` up to a limit. With several targets, a failing one is
 * set aside and the next takes over at once; a slow one can be hedged.
 */
export class RequestRunner {
  readonly #send: Send
  readonly #limit: ReturnType<typeof pLimit>
  readonly #policy: RetryPolicy
  #closed = false
  /** What to do on close, for each request waiting, in flight or sleeping. */
  readonly #onClose = new Set<() => void>()

  constructor(send: Send, limit: ReturnType<typeof pLimit>, policy: RetryPolicy) {
    this.#send = send
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

  /**
   * Runs `read` on a response from one of `pool`'s targets, retrying and moving to another target
   * as the failure calls for. Each target is tried once before the retries (`maxRetries`) count.
   */
  async run<T>(spec: RunSpec, pool: TargetPool, read: ResponseReader<T>): Promise<T> {
    const tried = new Set<string>()
    const maxRequests = (spec.maxRetries ?? this.#policy.maxRetries) + pool.size
    let requests = 0
    let sleeps = 0
    let last: { url: string; error: unknown } | undefined
    while (requests < maxRequests) {
      this.#checkLive(spec)
      const { target, fresh } = pool.pick(tried)
      if (!fresh && requests > 0) {
        sleeps++
        await this.#sleep(this.#backoff(sleeps, pool.retryWait(target)), spec)
      }
      const hedge =
        this.#policy.hedgeDelayMs === undefined || requests + 1 >= maxRequests
          ? undefined
          : pool.pickFresh(new Set([...tried, target]))
      const outcome = await this.#race(spec, target, hedge, read)
      if ('value' in outcome) {
        pool.succeeded(outcome.winner)
        for (const loser of outcome.losers) pool.setAside(loser)
        return outcome.value
      }
      requests += outcome.failures.length
      for (const { target: failed, url, error } of outcome.failures) {
        this.#checkLive(spec)
        tried.add(failed)
        last = { url, error }
        const context = { ...spec, url }
        if (error instanceof StatusError) {
          if (error.final) {
            throw new KuboRequestError(context, {
              status: error.status,
              attempts: requests,
              reason: statusReason(error.status),
              responseText: error.text,
            })
          }
          const retryAfterMs = parseRetryAfter(error.retryAfter)
          if (retryAfterMs !== undefined && retryAfterMs > this.#policy.maxRetryAfterMs) {
            pool.setAside(failed, retryAfterMs)
            if (pool.pickFresh(tried) === undefined) {
              throw new RetryLaterError(context, retryAfterMs, this.#policy.maxRetryAfterMs)
            }
            continue
          }
          pool.setAside(failed, retryAfterMs)
        } else if (error instanceof BlockNotFoundError) {
          // Another gateway may have it; not a fault of this one.
          if (pool.pickFresh(tried) === undefined) throw error
        } else if (isServerFault(error)) {
          pool.setAside(failed)
          if (pool.pickFresh(tried) === undefined) throw error
        } else if (isFinal(error)) {
          throw error
        } else {
          // Network errors, timeouts, cut bodies: worth another try, elsewhere if possible.
          pool.setAside(failed)
        }
      }
    }
    throw exhausted(spec, last, requests)
  }

  /** Runs `read` on `primary`, and on `hedge` too if `primary` has not finished after the hedge delay. */
  #race<T>(spec: RunSpec, primary: string, hedge: string | undefined, read: ResponseReader<T>): Promise<Outcome<T>> {
    if (hedge === undefined) {
      // Nothing to race (the usual case): no controller of its own, the attempt's is enough.
      const url = spec.url(primary)
      return this.once({ ...spec, url }, read).then(
        (value): Outcome<T> => ({ value, winner: primary, losers: [] }),
        (error: unknown): Outcome<T> => ({ failures: [{ target: primary, url, error }] }),
      )
    }
    return new Promise<Outcome<T>>((resolve) => {
      const failures: Failure[] = []
      const running = new Map<string, AbortController>()
      let settled = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (outcome: Outcome<T>): void => {
        settled = true
        clearTimeout(timer)
        for (const controller of running.values()) controller.abort(new Error('another request answered first'))
        resolve(outcome)
      }
      const launch = (target: string, onStart?: () => void): void => {
        const controller = new AbortController()
        running.set(target, controller)
        const url = spec.url(target)
        const signal = spec.signal === undefined ? controller.signal : AbortSignal.any([spec.signal, controller.signal])
        this.once({ ...spec, url, signal, onStart }, read).then(
          (value) => {
            if (settled) return
            running.delete(target)
            // Whoever failed or is still running lost to another gateway: it is set aside.
            const losers = [...failures.map((failure) => failure.target), ...running.keys()]
            settle({ value, winner: target, losers })
          },
          (error: unknown) => {
            if (settled) return
            running.delete(target)
            failures.push({ target, url, error })
            // With nothing else running (the hedge not started yet, or failed too), the loop moves on.
            if (running.size === 0) settle({ failures })
          },
        )
      }
      // The hedge delay runs from when the primary request leaves the queue of the concurrency
      // limit: time spent waiting for a slot says nothing about the gateway.
      const startHedge =
        hedge === undefined
          ? undefined
          : (): void => {
              if (settled) return
              timer = setTimeout(() => {
                if (!settled) launch(hedge)
              }, this.#policy.hedgeDelayMs)
            }
      launch(primary, startHedge)
    })
  }

  /** One request in a slot of the limit, `read` included, within `timeoutMs`. */
  once<T>(spec: AttemptSpec, read: ResponseReader<T>): Promise<T> {
    this.#checkLive(spec)
    return this.#limited(() => this.#attempt(spec, read), spec)
  }

  /** Runs `task` in a slot of the concurrency limit; leaves the queue at once if the call is aborted. */
  #limited<T>(task: () => Promise<T>, spec: AttemptSpec): Promise<T> {
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
        spec.onStart?.()
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

  async #attempt<T>(spec: AttemptSpec, read: ResponseReader<T>): Promise<T> {
    const controller = new AbortController()
    const { timeoutMs } = this.#policy
    const timer = setTimeout(() => controller.abort(new AttemptTimeout(timeoutMs)), timeoutMs)
    const onAbort = (): void => controller.abort(spec.signal?.reason)
    const onClose = (): void => controller.abort(new ClosedError(spec.operation))
    spec.signal?.addEventListener('abort', onAbort, { once: true })
    this.#onClose.add(onClose)
    try {
      const response = await this.#send(spec.url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body?.(),
        signal: controller.signal,
      })
      // The timer still runs: the time limit covers reading the body, not just the headers.
      try {
        return await read(response, controller.signal, spec.url)
      } finally {
        // Whatever the reader made of it, nothing of the body may hold on to its connection.
        void response.discard()
      }
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

  #checkLive(spec: Pick<AttemptSpec, 'operation' | 'signal'>): void {
    if (this.#closed) throw new ClosedError(spec.operation)
    spec.signal?.throwIfAborted()
  }

  #backoff(attempt: number, retryAfterMs: number): number {
    const { initialDelayMs, backoffFactor } = this.#policy
    const base = initialDelayMs * backoffFactor ** (attempt - 1)
    // "Equal jitter": at least half the exponential delay, so retries of many callers spread out.
    const jittered = base / 2 + Math.random() * (base / 2)
    return Math.max(retryAfterMs, jittered)
  }

  #sleep(ms: number, spec: Pick<AttemptSpec, 'operation' | 'signal'>): Promise<void> {
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

/** The error when every attempt failed in a way worth retrying. */
function exhausted(spec: RunSpec, last: { url: string; error: unknown } | undefined, attempts: number): Error {
  const error = last?.error
  if (isServerFault(error)) return error as Error
  const context = { ...spec, url: last?.url ?? spec.url('') }
  if (error instanceof StatusError) {
    return new KuboRequestError(context, {
      status: error.status,
      attempts,
      reason: `${statusReason(error.status)} (retries exhausted)`,
      responseText: error.text,
    })
  }
  const reason =
    error instanceof AttemptTimeout ? error.message : `network error: ${(error as Error)?.message ?? String(error)}`
  return new KuboRequestError(
    context,
    { status: undefined, attempts, reason: `${reason} (retries exhausted)` },
    error === undefined ? undefined : { cause: error },
  )
}

/**
 * Errors that another attempt would not change: a bad range, a closed instance, an unverifiable CID.
 * Network errors, timeouts and cut bodies are not among them.
 */
function isFinal(error: unknown): boolean {
  return (
    error instanceof HamtError ||
    error instanceof UnverifiableError ||
    error instanceof ClosedError ||
    error instanceof KuboRequestError ||
    error instanceof RetryLaterError
  )
}

/**
 * Reads a body of at most `limit` bytes, as a stream: a `Content-Length` above the limit fails before
 * any byte is read, and a body that goes past it stops being read there. Either way the connection is
 * closed and a {@link ResponseTooLargeError} thrown, so memory stays bounded whatever the server sends.
 * A body still in a content coding the client did not decode is refused unread.
 */
export async function readCapped(
  answer: HttpAnswer,
  limit: number,
  signal: AbortSignal,
  context: Pick<RequestContext, 'url' | 'cid'>,
): Promise<Uint8Array> {
  if (answer.contentEncoding !== null) {
    await answer.discard()
    throw new InvalidResponseError(
      context,
      `a body in Content-Encoding ${answer.contentEncoding}, though only identity was accepted`,
    )
  }
  const declared = Number(answer.header('content-length') ?? Number.NaN)
  if (declared > limit) {
    await answer.discard()
    throw new ResponseTooLargeError(context, limit, declared)
  }
  if (declared >= 0 && answer.whole !== undefined) {
    // Framed by its Content-Length (under the limit, and arriving as sent, so no larger): read in
    // one go. The length is checked again, whatever the framing.
    const body = await answer.whole(signal)
    if (body.length > limit) throw new ResponseTooLargeError(context, limit, body.length)
    return body
  }
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of answer.chunks(signal)) {
    total += chunk.length
    if (total > limit) throw new ResponseTooLargeError(context, limit, total)
    chunks.push(chunk)
  }
  return concat(chunks, total)
}

/**
 * Reads the answer's status: returns it when `accept`ed, else reads the start of the body (servers
 * explain themselves there) and throws a {@link StatusError}, final unless worth retrying.
 */
export async function checkStatus(
  answer: HttpAnswer,
  accept: (status: number) => boolean,
  signal: AbortSignal,
): Promise<number> {
  if (accept(answer.status)) return answer.status
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of answer.chunks(signal)) {
    chunks.push(chunk)
    total += chunk.length
    if (total >= ERROR_BODY_LIMIT) break
  }
  const body = concat(chunks, total)
  const retryable = isRetryableStatus(answer.status) && !isCommandError(answer.status, body)
  throw new StatusError(answer.status, answer.header('retry-after'), errorText(body), !retryable)
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
