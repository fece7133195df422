import type { KyInstance } from 'ky'
import { fetchAnswer, type HttpAnswer } from './answer.js'

/** What {@link Send} is given for one request. */
export interface SendInit {
  method: 'GET' | 'POST'
  /** Headers of this request; the same object for every request of a kind, so merging is cached. */
  headers?: Record<string, string> | undefined
  body?: FormData | undefined
  signal: AbortSignal
}

/** Sends one HTTP request and resolves with the answer (headers in; the body is read by the caller). */
export type Send = (url: string, init: SendInit) => Promise<HttpAnswer>

/**
 * Sends through the caller's ky instance, its hooks and settings applied. KuboCAS runs its own retries
 * and time limits, so ky's are off, and every status is handed back.
 */
export function kySend(client: KyInstance): Send {
  return async (url, init) =>
    fetchAnswer(
      await client(url, {
        method: init.method,
        // ky treats `headers: undefined` as "no headers", dropping the instance's own.
        ...(init.headers === undefined ? {} : { headers: init.headers }),
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: init.signal,
        retry: 0,
        timeout: false,
        throwHttpErrors: false,
      }),
    )
}

/**
 * Sends with the platform's `fetch`, `defaults` on every request. What ky would do with the same
 * settings (no retries, no time limit, no hooks), without its cost on every request: ky builds a
 * `Request` that fetch then copies, each with its own abort signal, which at hundreds of block reads
 * per selection was a third of the client's time.
 */
export function fetchSend(defaults: Record<string, string>): Send {
  const headersOf = headerMerger(defaults)
  return async (url, init) => {
    const headers = headersOf(init.headers)
    return fetchAnswer(
      await fetch(url, {
        method: init.method,
        ...(headers === undefined ? {} : { headers }),
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: init.signal,
      }),
    )
  }
}

/**
 * The headers of a request: `defaults` with the request's own over them (names compared without
 * case), merged once per kind of request (callers keep their header objects).
 */
export function headerMerger(
  defaults: Record<string, string>,
): (own: Record<string, string> | undefined) => Record<string, string> | undefined {
  const merged = new WeakMap<Record<string, string>, Record<string, string>>()
  const base = Object.keys(defaults).length === 0 ? undefined : defaults
  return (own) => {
    if (own === undefined) return base
    if (base === undefined) return own
    let both = merged.get(own)
    if (both === undefined) {
      const headers = new Headers(base)
      for (const [name, value] of Object.entries(own)) headers.set(name, value)
      both = Object.fromEntries(headers)
      merged.set(own, both)
    }
    return both
  }
}
