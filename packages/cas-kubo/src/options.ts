import { InvalidOptionError } from '@hamt/core'
import type { KyInstance } from 'ky'
import type { BulkWriteOptions } from './bulk-import.js'

/** Credentials sent with every request: HTTP basic auth, or a bearer token. */
export type KuboAuth =
  | {
      /** HTTP basic auth user name. */
      username: string
      /** HTTP basic auth password. */
      password: string
    }
  | {
      /** Sent as `Authorization: Bearer <token>`. */
      bearerToken: string
    }

/** Options of {@link KuboCAS}. Every one has a default that suits a local Kubo node. */
export interface KuboCASOptions {
  /** Kubo RPC API, for writes and pins. Default `http://127.0.0.1:5001`. */
  rpcBaseUrl?: string
  /**
   * HTTP gateway, for reads; given with or without a trailing `/ipfs/`. Default
   * `http://127.0.0.1:8080`. Read-only use needs only this.
   */
  gatewayBaseUrl?: string
  /**
   * Several gateways, in order of preference, instead of `gatewayBaseUrl`: a gateway that fails (or
   * loses to a hedged request) is set aside for `gatewayCooldownMs` and the next one takes over.
   */
  gatewayBaseUrls?: readonly string[]
  /** How long a gateway that failed, or was slow, is set aside, in ms. Default 30000. */
  gatewayCooldownMs?: number
  /**
   * When set, a read still unanswered after this many ms is also asked of the next gateway, and the
   * first full answer wins (the other request is aborted). Needs two gateways or more. Default: off.
   */
  hedgeDelayMs?: number
  /**
   * Longest `Retry-After` (on a 429 or 5xx) waited for, in ms. A longer one fails at once with a
   * `RetryLaterError` saying when to retry, unless another gateway can answer. Default 60000.
   */
  maxRetryAfterMs?: number
  /**
   * Read UnixFS (dag-pb) files, which values over one chunk become, as CARs
   * (`?format=car&dag-scope=entity`, with `entity-bytes` for a range) and check every block against
   * its CID and the file's structure. When `false`, they are read as plain bytes with a `Range`
   * header, unchecked (and refused in trustless mode). Default `true`.
   */
  verifyFiles?: boolean
  /**
   * Largest body read for an unchecked file read (`verifyFiles: false`, or a gateway that does not
   * serve CARs) when the request does not bound it: a whole file, an open range (whose end the
   * gateway's `Content-Range` gives), or a gateway that ignores `Range`. In bytes. Default 1 GiB.
   */
  maxFileBytes?: number
  /** Multihash Kubo hashes saved data with (`hash=` of `/api/v0/add`). Default `'blake3'`, as py-hamt. */
  hasher?: string
  /** Kubo chunker: `size-<n>`, `rabin` or `rabin-<min>-<avg>-<max>`. Default `'size-1048576'`. */
  chunker?: string
  /** Pin what `save` adds. Default `false`, as py-hamt. */
  pinOnAdd?: boolean
  /**
   * Write blocks in bulk: the blocks saved within a few ms of each other (a HAMT flush saves many at
   * once) go to Kubo as one CAR through `/api/v0/dag/import` instead of one `/api/v0/add` each,
   * with the same CIDs (computed here) and the same pins. Only for data that fits in one chunk and a
   * `hasher` computed here (`blake3`, `sha2-256`, `sha2-512`); the rest still goes through `add`.
   * `true` for the defaults, or the batch limits. Default `false`.
   */
  bulkWrites?: boolean | BulkWriteOptions
  /** Requests in flight at once, shared by every call of this instance. Default 128: zarrita asks for every chunk of a selection together, and at gateway latencies 32 left readers waiting on the limit (py-hamt uses 32). */
  concurrency?: number
  /** Retries after the first attempt, on network errors, timeouts, 429 and 5xx. Default 3. */
  maxRetries?: number
  /** Wait before the first retry, in ms; later waits grow by `backoffFactor`, with jitter. Default 1000. */
  initialDelayMs?: number
  /** Growth of the wait between retries. Default 2. */
  backoffFactor?: number
  /** Time limit of each attempt, body included, in ms. Default 60000. */
  timeoutMs?: number
  /** Headers sent with every request. Not allowed together with `ky`. */
  headers?: Record<string, string>
  /** Credentials sent with every request. Not allowed together with `ky`. */
  auth?: KuboAuth
  /**
   * Your own ky instance, used as it is (prefix URLs aside: it must have none) for every request:
   * its headers, hooks and credentials apply. KuboCAS still runs its own retries and timeouts, so it
   * calls it with `retry: 0`, `timeout: false` and `throwHttpErrors: false`. Without it, Node reads
   * through undici's `request` (one connection pool per process) and browsers through `fetch`.
   */
  ky?: KyInstance
  /**
   * Read through a trustless gateway: ask for raw blocks (`Accept: application/vnd.ipld.raw`) and
   * refuse what cannot be checked against its CID (unknown hash functions; dag-pb files unless
   * `verifyFiles`, or when the gateway does not serve CARs). Use this with public gateways.
   * Default `false`.
   */
  trustless?: boolean
}

export const DEFAULT_RPC_BASE_URL = 'http://127.0.0.1:5001'
export const DEFAULT_GATEWAY_BASE_URL = 'http://127.0.0.1:8080'

const CHUNKER = /^(?:size-[1-9]\d*|rabin(?:-[1-9]\d*-[1-9]\d*-[1-9]\d*)?)$/
const HASHER = /^[a-z0-9][a-z0-9-]*$/

/** Checks a Kubo chunker spec, as py-hamt does, before any request is made. */
export function checkChunker(chunker: unknown): string {
  if (typeof chunker !== 'string' || !CHUNKER.test(chunker)) {
    throw new InvalidOptionError(
      `chunker must be 'size-<positive integer>', 'rabin' or 'rabin-<min>-<avg>-<max>', got ${JSON.stringify(chunker)}`,
    )
  }
  if (chunker.startsWith('rabin-')) {
    const [min, avg, max] = chunker.slice(6).split('-').map(Number) as [number, number, number]
    if (!(min <= avg && avg <= max)) {
      throw new InvalidOptionError(`chunker ${chunker}: rabin sizes must satisfy min <= avg <= max`)
    }
  }
  return chunker
}

export function checkHasher(hasher: unknown): string {
  if (typeof hasher !== 'string' || !HASHER.test(hasher)) {
    throw new InvalidOptionError(`hasher must be a multihash name such as 'blake3', got ${JSON.stringify(hasher)}`)
  }
  return hasher
}

/** An http(s) URL without trailing slashes, query or fragment. */
export function normaliseBaseUrl(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidOptionError(`${name} must be a URL string`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidOptionError(`${name} is not a valid URL: ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidOptionError(`${name} must not have a query or fragment: ${JSON.stringify(value)}`)
  }
  return url.href.replace(/\/+$/, '')
}

/**
 * A gateway's base URL, whether given as `https://host`, `https://host/`, `https://host/ipfs` or
 * `https://host/ipfs/` (or with a CID after `/ipfs/`): everything from `/ipfs` on is dropped.
 */
export function normaliseGatewayUrl(value: unknown, name = 'gatewayBaseUrl'): string {
  const base = normaliseBaseUrl(name, value)
  const url = new URL(base)
  const at = url.pathname.search(/\/ipfs(?:\/|$)/)
  if (at >= 0) url.pathname = url.pathname.slice(0, at)
  return url.href.replace(/\/+$/, '')
}

/** The gateways of `options`: `gatewayBaseUrls`, or `gatewayBaseUrl`, or the default. */
export function gatewayUrls(options: Pick<KuboCASOptions, 'gatewayBaseUrl' | 'gatewayBaseUrls'>): string[] {
  if (options.gatewayBaseUrls === undefined)
    return [normaliseGatewayUrl(options.gatewayBaseUrl ?? DEFAULT_GATEWAY_BASE_URL)]
  if (options.gatewayBaseUrl !== undefined) {
    throw new InvalidOptionError('give gatewayBaseUrl or gatewayBaseUrls, not both')
  }
  if (!Array.isArray(options.gatewayBaseUrls) || options.gatewayBaseUrls.length === 0) {
    throw new InvalidOptionError('gatewayBaseUrls must be a non-empty array of URLs')
  }
  const urls = options.gatewayBaseUrls.map((url, i) => normaliseGatewayUrl(url, `gatewayBaseUrls[${i}]`))
  if (new Set(urls).size !== urls.length) throw new InvalidOptionError('gatewayBaseUrls lists a gateway twice')
  return urls
}

export function checkPositiveInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(`${name} must be an integer >= ${min}, got ${String(value)}`)
  }
  return value
}

export function checkNonNegative(name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionError(`${name} must be a finite number >= ${min}, got ${String(value)}`)
  }
  return value
}

/** The headers KuboCAS adds to every request of the ky instance it creates. */
export function defaultHeaders(headers: unknown, auth: unknown): Record<string, string> {
  const result: Record<string, string> = {}
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object') throw new InvalidOptionError('headers must be an object')
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') throw new InvalidOptionError(`header ${name} must be a string`)
      result[name] = value
    }
  }
  if (auth !== undefined) {
    if (auth === null || typeof auth !== 'object') throw new InvalidOptionError('auth must be an object')
    if ('bearerToken' in auth && typeof auth.bearerToken === 'string' && auth.bearerToken !== '') {
      result.Authorization = `Bearer ${auth.bearerToken}`
    } else if (
      'username' in auth &&
      'password' in auth &&
      typeof auth.username === 'string' &&
      typeof auth.password === 'string'
    ) {
      if (auth.username.includes(':')) throw new InvalidOptionError('auth.username must not contain ":"')
      result.Authorization = `Basic ${base64(`${auth.username}:${auth.password}`)}`
    } else {
      throw new InvalidOptionError('auth must be { username, password } or { bearerToken }')
    }
  }
  return result
}

/** Base64 of a string's UTF-8 bytes, with what both browsers and Node have. */
function base64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}
