import type { Readable } from 'node:stream'
import { Agent, type Dispatcher, interceptors, request } from 'undici'
import type { HttpAnswer } from './answer.js'
import { fetchSend, headerMerger, type Send } from './send.js'

/**
 * One connection pool for every KuboCAS of the process, as `fetch` has one: a new reader of the same
 * gateway finds its connections open. Idle sockets do not keep the process alive. Redirects are
 * followed, as fetch follows them (path gateways may send readers on to a subdomain gateway).
 */
const dispatcher: Dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 5 }))

/**
 * Node's default: requests without a body through undici's `request`, which costs well under half
 * of `fetch` per request (no WHATWG `Request`, `Response` or body stream): at hundreds of block reads
 * per Zarr selection this is most of the client's CPU. Uploads go through `fetch`, whose `FormData`
 * bodies undici's `request` does not take from Node's own classes.
 */
export function undiciSend(defaults: Record<string, string>): Send {
  // undici hands bodies over as sent, so ask for them unencoded; a server that encodes them anyway is
  // refused (see `contentEncoding`), never inflated.
  const headers = new Headers({ 'accept-encoding': 'identity' })
  for (const [name, value] of Object.entries(defaults)) headers.set(name, value)
  const headersOf = headerMerger(Object.fromEntries(headers))
  const upload = fetchSend(defaults)
  return async (url, init) => {
    if (init.body !== undefined) return upload(url, init)
    const headers = headersOf(init.headers)
    const answer = await request(url, {
      method: init.method,
      ...(headers === undefined ? {} : { headers }),
      signal: init.signal,
      dispatcher,
    })
    return undiciAnswer(answer)
  }
}

/** How KuboCAS sends requests by default in Node. */
export const platformSend = undiciSend

/**
 * Most bytes of an unwanted body read to keep its connection for the next request; a longer one
 * closes the connection instead.
 */
const DISCARD_LIMIT = 64 * 1024

function undiciAnswer({ statusCode, headers, body }: Dispatcher.ResponseData): HttpAnswer {
  // A body destroyed after its reader is gone (an attempt's time limit, a close) reports an error with
  // nobody listening; readers see errors through their own iteration.
  body.on('error', () => {})
  return {
    status: statusCode,
    header: (name) => {
      const value = headers[name]
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
    },
    // No `whole`: the body comes as undici's socket reads, chunk by chunk, which is as cheap as it gets
    // here; read as a capped stream, it is bounded whatever the headers say.
    chunks: (signal) => bodyChunks(body, signal),
    contentEncoding: codingOf(headers['content-encoding']),
    // undici holds a connection until its body is read or destroyed, whatever becomes of the answer.
    discard: async () => {
      if (!body.readableEnded && !body.destroyed) body.dump({ limit: DISCARD_LIMIT }).catch(() => {})
    },
  }
}

function codingOf(header: string | string[] | undefined): string | null {
  const coding = (Array.isArray(header) ? header.join(', ') : (header ?? '')).trim()
  return coding === '' || coding.toLowerCase() === 'identity' ? null : coding
}

/** A body's chunks; the body is destroyed (its connection closed) if the reader stops early or `signal` aborts. */
async function* bodyChunks(body: Readable, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const onAbort = (): void => void body.destroy(signal.reason as Error)
  signal.addEventListener('abort', onAbort, { once: true })
  let finished = false
  try {
    signal.throwIfAborted()
    for await (const chunk of body) {
      signal.throwIfAborted()
      yield chunk as Uint8Array
    }
    finished = true
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (!finished) body.destroy()
  }
}
