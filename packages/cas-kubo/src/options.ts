import { InvalidOptionError } from '@hamt/core'
import type { KyInstance } from 'ky'

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
  /** Multihash Kubo hashes saved data with (`hash=` of `/api/v0/add`). Default `'blake3'`, as py-hamt. */
  hasher?: string
  /** Kubo chunker: `size-<n>`, `rabin` or `rabin-<min>-<avg>-<max>`. Default `'size-1048576'`. */
  chunker?: string
  /** Pin what `save` adds. Default `false`, as py-hamt. */
  pinOnAdd?: boolean
  /** Requests in flight at once, shared by every call of this instance. Default 32. */
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
   * calls it with `retry: 0`, `timeout: false` and `throwHttpErrors: false`.
   */
  ky?: KyInstance
  /**
   * Read through a trustless gateway: ask for raw blocks (`Accept: application/vnd.ipld.raw`) and
   * refuse what cannot be checked against its CID (dag-pb CIDs, unknown hash functions). Use this
   * with public gateways. Default `false`.
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
export function normaliseGatewayUrl(value: unknown): string {
  const base = normaliseBaseUrl('gatewayBaseUrl', value)
  const url = new URL(base)
  const at = url.pathname.search(/\/ipfs(?:\/|$)/)
  if (at >= 0) url.pathname = url.pathname.slice(0, at)
  return url.href.replace(/\/+$/, '')
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
