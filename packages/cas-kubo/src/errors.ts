import type { CID } from 'multiformats/cid'

/** Machine-readable codes of the errors this package adds to `@hamt/core`'s. */
export type KuboErrorCode =
  | 'ERR_KUBO_REQUEST'
  | 'ERR_INTEGRITY'
  | 'ERR_UNVERIFIABLE'
  | 'ERR_CLOSED'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_RETRY_LATER'
  | 'ERR_INVALID_RESPONSE'

/** What a failed request was about: enough to find it in a server's logs. */
export interface RequestContext {
  /** The KuboCAS operation (`save`, `load`, `pin`, …). */
  operation: string
  /** HTTP method and URL of the request. */
  method: string
  /** The request's URL. */
  url: string
  /** The CID the request was about, when there is one. */
  cid?: CID | undefined
}

/**
 * An HTTP request to the RPC API or the gateway failed: a status that is not retried (a 4xx other
 * than 429), or retries exhausted on network errors, timeouts, 429 or 5xx. The message names the
 * URL, the CID, the last HTTP status (if any) and the attempts made; `cause` is the last error.
 */
export class KuboRequestError extends Error {
  /** Always `ERR_KUBO_REQUEST`. */
  readonly code = 'ERR_KUBO_REQUEST' as const
  /** The KuboCAS operation that failed (`save`, `load`, `pin`, …). */
  readonly operation: string
  /** HTTP method of the request. */
  readonly method: string
  /** URL of the request. */
  readonly url: string
  /** The CID the request was about, when there is one. */
  readonly cid: CID | undefined
  /** Last HTTP status received, or `undefined` when the last attempt got no response. */
  readonly status: number | undefined
  /** Requests made, retries included. */
  readonly attempts: number
  /** Start of the last error response's body (servers explain themselves there). */
  readonly responseText: string | undefined

  constructor(
    context: RequestContext,
    details: { status?: number | undefined; attempts: number; reason: string; responseText?: string | undefined },
    options?: ErrorOptions,
  ) {
    const about = context.cid === undefined ? '' : ` of ${context.cid.toString()}`
    const status = details.status === undefined ? '' : ` → HTTP ${details.status}`
    const body = details.responseText ? `: ${details.responseText}` : ''
    super(
      `KuboCAS ${context.operation}${about} failed after ${details.attempts} attempt${details.attempts === 1 ? '' : 's'} ` +
        `(${context.method} ${context.url}${status}): ${details.reason}${body}`,
      options,
    )
    this.name = 'KuboRequestError'
    this.operation = context.operation
    this.method = context.method
    this.url = context.url
    this.cid = context.cid
    this.status = details.status
    this.attempts = details.attempts
    this.responseText = details.responseText
  }
}

/** Bytes received for a CID do not hash to it: the gateway (or something on the way) altered them. */
export class IntegrityError extends Error {
  /** Always `ERR_INTEGRITY`. */
  readonly code = 'ERR_INTEGRITY' as const
  /** The CID asked for (or, on save, the CID the node answered with). */
  readonly cid: CID
  /** Where the bytes came from. */
  readonly url: string
  /** Multihash digest the bytes actually have (hex). */
  readonly actualDigest: string

  constructor(cid: CID, url: string, actualDigest: string) {
    super(
      `Integrity check failed for ${cid.toString()} from ${url}: the bytes received hash to ${actualDigest}, ` +
        `not to the CID's digest; the data was discarded`,
    )
    this.name = 'IntegrityError'
    this.cid = cid
    this.url = url
    this.actualDigest = actualDigest
  }
}

/**
 * In trustless mode, a CID whose bytes cannot be checked here: a hash function this package does not
 * implement, or a dag-pb (UnixFS) CID, whose content spans blocks.
 */
export class UnverifiableError extends Error {
  /** Always `ERR_UNVERIFIABLE`. */
  readonly code = 'ERR_UNVERIFIABLE' as const
  /** The CID that cannot be checked. */
  readonly cid: CID

  constructor(cid: CID, reason: string) {
    super(`Cannot verify ${cid.toString()} in trustless mode: ${reason}`)
    this.name = 'UnverifiableError'
    this.cid = cid
  }
}

/** A call was made on, or was in flight when, {@link KuboCAS.close} was called. */
export class ClosedError extends Error {
  /** Always `ERR_CLOSED`. */
  readonly code = 'ERR_CLOSED' as const

  constructor(operation: string) {
    super(`KuboCAS ${operation} failed: the KuboCAS was closed`)
    this.name = 'ClosedError'
  }
}

/**
 * A server sent (or announced) more bytes than the answer can legitimately have: more than 2 MiB for
 * one block, more than the length of a range, more than a file's blocks for a CAR. Reading stopped at
 * the limit and the connection was closed, so a hostile gateway cannot fill the memory.
 */
export class ResponseTooLargeError extends Error {
  /** Stable identifier for this error. */
  readonly code = 'ERR_RESPONSE_TOO_LARGE' as const
  /** The URL that gave the answer. */
  readonly url: string
  /** The CID asked for, when the request was for one. */
  readonly cid: CID | undefined
  /** Most bytes the answer could have. */
  readonly limit: number
  /** Bytes announced by `Content-Length`, or read before stopping. */
  readonly received: number

  constructor(context: Pick<RequestContext, 'url' | 'cid'>, limit: number, received: number) {
    const about = context.cid === undefined ? '' : ` for ${context.cid.toString()}`
    super(
      `The answer${about} from ${context.url} is too large: ${received} bytes or more, where at most ${limit} ` +
        'can be valid; reading stopped there',
    )
    this.name = 'ResponseTooLargeError'
    this.url = context.url
    this.cid = context.cid
    this.limit = limit
    this.received = received
  }
}

/**
 * Every server able to answer asked to be called again later (`Retry-After`) than KuboCAS is willing
 * to wait (`maxRetryAfterMs`). Nothing was waited for; `retryAt` says when to try again.
 */
export class RetryLaterError extends Error {
  /** Stable identifier for this error. */
  readonly code = 'ERR_RETRY_LATER' as const
  /** The URL that gave the answer. */
  readonly url: string
  /** The CID asked for, when the request was for one. */
  readonly cid: CID | undefined
  /** The wait the server asked for, in ms. */
  readonly retryAfterMs: number
  /** When the server is willing to answer again. */
  readonly retryAt: Date

  constructor(
    context: Pick<RequestContext, 'operation' | 'url' | 'cid'>,
    retryAfterMs: number,
    maxRetryAfterMs: number,
  ) {
    const retryAt = new Date(Date.now() + retryAfterMs)
    const about = context.cid === undefined ? '' : ` of ${context.cid.toString()}`
    super(
      `KuboCAS ${context.operation}${about}: ${context.url} asks to retry after ${Math.ceil(retryAfterMs / 1000)} s ` +
        `(at ${retryAt.toISOString()}), longer than maxRetryAfterMs (${maxRetryAfterMs} ms); retry then`,
    )
    this.name = 'RetryLaterError'
    this.url = context.url
    this.cid = context.cid
    this.retryAfterMs = retryAfterMs
    this.retryAt = retryAt
  }
}

/**
 * A server's answer is malformed where it matters: a 206 without `Content-Range` or shorter than the
 * range, a CAR missing blocks, holding blocks not asked for, or whose file structure does not add up,
 * a Kubo `add` answer naming a UnixFS file for data that fits in one block.
 */
export class InvalidResponseError extends Error {
  /** Stable identifier for this error. */
  readonly code = 'ERR_INVALID_RESPONSE' as const
  /** The URL that gave the answer. */
  readonly url: string
  /** The CID asked for, when the request was for one. */
  readonly cid: CID | undefined

  constructor(context: Pick<RequestContext, 'url' | 'cid'>, reason: string) {
    const about = context.cid === undefined ? '' : ` for ${context.cid.toString()}`
    super(`Refused the answer${about} from ${context.url}: ${reason}`)
    this.name = 'InvalidResponseError'
    this.url = context.url
    this.cid = context.cid
  }
}
