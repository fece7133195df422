import { gzipSync } from 'node:zlib'
import { InMemoryCAS } from '@hamt/cas-memory'
import { blake3Hasher, CID } from '@hamt/core'
import ky from 'ky'
import { create as createDigest } from 'multiformats/hashes/digest'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import {
  IntegrityError,
  InvalidResponseError,
  KuboCAS,
  KuboRequestError,
  ResponseTooLargeError,
  RetryLaterError,
} from '../src/index.js'
import { FaultProxy } from './fault-proxy.js'
import { randomBytes } from './helpers.js'
import { FakeHostileGateway } from './hostile-gateway.js'

const rpcUrl = inject('ipfsRpcUrl')
const gatewayUrl = inject('ipfsGatewayUrl')
const MiB = 1024 * 1024

let hostile: FakeHostileGateway
let rpc: FaultProxy
let block: { cid: CID; data: Uint8Array }
/** A dag-pb CID: what the hostile gateway serves does not matter, only how KuboCAS reads it. */
let fileCid: CID

beforeAll(async () => {
  hostile = await FakeHostileGateway.start()
  rpc = await FaultProxy.start(rpcUrl)
  const direct = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
  const data = randomBytes(10_000, 11)
  block = { cid: await direct.save(data, 'raw'), data }
  fileCid = CID.createV1(0x70, await blake3Hasher.digest(new TextEncoder().encode('a file')))
  await direct.close()
})
afterAll(async () => {
  await hostile.close()
  await rpc.close()
})
beforeEach(() => {
  hostile.bytesSent = 0
  hostile.requests = 0
  rpc.reset()
})

function against(options: ConstructorParameters<typeof KuboCAS>[0] = {}): KuboCAS {
  return new KuboCAS({ gatewayBaseUrl: hostile.url, initialDelayMs: 5, timeoutMs: 10_000, ...options })
}

describe('bodies are read as bounded streams', () => {
  it('an endless body for one block stops at 2 MiB, and the process stays healthy', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      gateway.endless(res, Buffer.alloc(64 * 1024, 7))
    }
    const cas = against()
    const rssBefore = process.memoryUsage().rss
    const started = performance.now()
    const error = await cas.load(block.cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ResponseTooLargeError)
    expect(error).toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE', limit: 2 * MiB, cid: block.cid })
    expect((error as Error).message).toContain(hostile.url)
    expect(performance.now() - started).toBeLessThan(5_000)
    // Not retried: the same gateway would send the same.
    expect(hostile.requests).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    // The connection was closed: the server could not push much past the limit.
    expect(hostile.bytesSent).toBeLessThan(64 * MiB)
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * MiB)

    // BLAKE3 still works, and so do later loads (checked with BLAKE3) and saves.
    expect((await blake3Hasher.digest(block.data)).digest).toEqual(block.cid.multihash.digest)
    const healthy = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
    expect(await healthy.load(block.cid)).toEqual(block.data)
    const more = randomBytes(5000, 12)
    const cid = await healthy.save(more, 'raw')
    expect(cid.equals(await new InMemoryCAS().save(more, 'raw'))).toBe(true)
    expect(await healthy.load(cid)).toEqual(more)
    await healthy.close()
  })

  it('a Content-Length of 1 GiB is refused before the body is read', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(200, { 'content-length': String(1024 * MiB) })
      gateway.trickle(res, 50)
    }
    const error = await against()
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ResponseTooLargeError)
    expect(error).toMatchObject({ received: 1024 * MiB, limit: 2 * MiB })
  })

  it('an unchecked file read without a range is bounded by maxFileBytes', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      gateway.endless(res, Buffer.alloc(64 * 1024, 1))
    }
    const cas = against({ verifyFiles: false, maxFileBytes: 4 * MiB })
    await expect(cas.load(fileCid)).rejects.toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE', limit: 4 * MiB })
  })

  it('a gateway that ignores Range is read only up to the range, within maxFileBytes', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      gateway.endless(res, Buffer.alloc(64 * 1024, 3))
    }
    const cas = against({ verifyFiles: false, maxFileBytes: MiB })
    expect(await cas.load(fileCid, { offset: 1000, length: 10 })).toEqual(new Uint8Array(10).fill(3))
    await expect(cas.load(fileCid, { offset: 2 * MiB, length: 10 })).rejects.toMatchObject({
      code: 'ERR_RESPONSE_TOO_LARGE',
      limit: MiB,
    })
  })

  it('an open range whose Content-Range claims a terabyte is bounded by maxFileBytes', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(206, { 'content-range': 'bytes 0-999999999999/1000000000000' })
      gateway.endless(res, Buffer.alloc(64 * 1024, 4))
    }
    const error = await against({ verifyFiles: false, maxFileBytes: 8 * MiB })
      .load(fileCid, { offset: 0 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ResponseTooLargeError)
    expect(error).toMatchObject({ limit: 8 * MiB, received: 1_000_000_000_000 })
  })

  it('an unchecked range read stops once it has the range', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(206, { 'content-range': 'bytes 0-99/1000000000' })
      gateway.endless(res, Buffer.alloc(64 * 1024, 2))
    }
    const bytes = await against({ verifyFiles: false }).load(fileCid, { offset: 0, length: 100 })
    expect(bytes).toEqual(new Uint8Array(100).fill(2))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(hostile.bytesSent).toBeLessThan(64 * MiB)
  })

  it('the timeout covers the body: a trickled body fails in time', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      gateway.trickle(res, 20)
    }
    const started = performance.now()
    const error = await against({ timeoutMs: 300, maxRetries: 1 })
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KuboRequestError)
    expect((error as Error).message).toContain('timed out after 300 ms')
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(hostile.requests).toBe(2)
  })
})

describe('bodies framed by Content-Length (read in one go)', () => {
  it('the timeout covers them too: a trickled body under its Content-Length fails in time', async () => {
    hostile.handler = (_req, res, gateway) => {
      res.writeHead(200, { 'content-length': '1000' })
      gateway.trickle(res, 20)
    }
    const started = performance.now()
    const error = await against({ timeoutMs: 300, maxRetries: 0 })
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KuboRequestError)
    expect((error as Error).message).toContain('timed out after 300 ms')
    expect(performance.now() - started).toBeLessThan(3_000)
  })

  it('a small compressed body that would inflate past 2 MiB is refused unread by the Node default', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * MiB))
    expect(bomb.length).toBeLessThan(64 * 1024)
    let acceptEncoding: string | undefined
    hostile.handler = (req, res) => {
      acceptEncoding = req.headers['accept-encoding']
      res.writeHead(200, { 'content-length': String(bomb.length), 'content-encoding': 'gzip' })
      res.end(bomb)
    }
    const error = await against()
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(acceptEncoding).toBe('identity')
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toContain('Content-Encoding gzip')
  })

  it('through fetch, which inflates bodies, the bomb stops at 2 MiB: its Content-Length counts compressed bytes', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * MiB))
    hostile.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(bomb.length), 'content-encoding': 'gzip' })
      res.end(bomb)
    }
    const error = await against({ ky: ky.create() })
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE', limit: 2 * MiB })
  })

  it('a body with an honest Content-Length is read whole and checked', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(block.data.length) })
      res.end(Buffer.from(block.data))
    }
    expect(await against({ trustless: true }).load(block.cid)).toEqual(block.data)
    hostile.handler = (_req, res) => {
      const forged = Buffer.from(block.data)
      forged[0] = (forged[0] as number) ^ 1
      res.writeHead(200, { 'content-length': String(forged.length) })
      res.end(forged)
    }
    await expect(against({ trustless: true }).load(block.cid)).rejects.toMatchObject({ code: 'ERR_INTEGRITY' })
  })
})

describe('Retry-After is capped', () => {
  it('Retry-After: 3600 fails at once with a RetryLaterError saying when to retry', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' })
      res.end('slow down')
    }
    const started = Date.now()
    const error = (await against({ timeoutMs: 1000 })
      .load(block.cid)
      .catch((e: unknown) => e)) as RetryLaterError
    expect(error).toBeInstanceOf(RetryLaterError)
    expect(error).toMatchObject({ code: 'ERR_RETRY_LATER', retryAfterMs: 3_600_000, cid: block.cid })
    expect(error.retryAt.getTime()).toBeGreaterThanOrEqual(started + 3_600_000)
    expect(error.retryAt.getTime()).toBeLessThan(Date.now() + 3_600_000 + 1000)
    expect(error.message).toContain(error.retryAt.toISOString())
    expect(Date.now() - started).toBeLessThan(1000)
    expect(hostile.requests).toBe(1)
  })

  it('maxRetryAfterMs sets the cap, for HTTP dates too', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 5000).toUTCString() })
      res.end()
    }
    const error = await against({ maxRetryAfterMs: 2000 })
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryLaterError)
    expect((error as RetryLaterError).retryAfterMs).toBeGreaterThan(2000)
  })

  it('another gateway takes over from one that says to come back later', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' })
      res.end()
    }
    const cas = new KuboCAS({ gatewayBaseUrls: [hostile.url, gatewayUrl], initialDelayMs: 5 })
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(await cas.load(block.cid)).toEqual(block.data)
    // Set aside until it said to come back: asked once only.
    expect(hostile.requests).toBe(1)
  })
})

describe('Retry-After on the RPC API', () => {
  it('a save told to come back in an hour fails at once with a RetryLaterError', async () => {
    rpc.plan = () => ({ kind: 'status', status: 503, headers: { 'Retry-After': '3600' } })
    const cas = new KuboCAS({ rpcBaseUrl: rpc.url, gatewayBaseUrl: gatewayUrl })
    const error = await cas.save(randomBytes(10, 1), 'raw').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryLaterError)
    expect(error).toMatchObject({ retryAfterMs: 3_600_000, cid: undefined })
    expect(rpc.requests).toHaveLength(1)
  })
})

describe('CIDs whose hash KuboCAS cannot check', () => {
  it('are refused in trustless mode, read unchecked otherwise', async () => {
    const odd = CID.createV1(0x55, createDigest(0x16, new Uint8Array(32)))
    await expect(against({ trustless: true }).load(odd)).rejects.toMatchObject({ code: 'ERR_UNVERIFIABLE' })
    expect(hostile.requests).toBe(0)
    hostile.handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '3' })
      res.end('abc')
    }
    expect(new TextDecoder().decode(await against().load(odd))).toBe('abc')
  })
})

describe('partial content is checked', () => {
  const range = { offset: 0, length: 100 }

  it('a 206 without Content-Range is refused', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(206, { 'content-length': '100' })
      res.end(Buffer.alloc(100))
    }
    const error = await against({ verifyFiles: false })
      .load(fileCid, range)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_RESPONSE' })
    expect((error as Error).message).toContain('without a valid Content-Range')
  })

  it('a 206 shorter than its Content-Range is refused', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(206, { 'content-range': 'bytes 0-99/5000', 'content-length': '50' })
      res.end(Buffer.alloc(50))
    }
    const error = await against({ verifyFiles: false })
      .load(fileCid, range)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toContain('ends after 50 bytes')
  })

  it('a 206 of another range is refused', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(206, { 'content-range': 'bytes 10-109/5000', 'content-length': '100' })
      res.end(Buffer.alloc(100))
    }
    await expect(against({ verifyFiles: false }).load(fileCid, range)).rejects.toBeInstanceOf(InvalidResponseError)
  })
})

describe("Kubo's add answer is checked", () => {
  function answering(hash: CID | string): KuboCAS {
    rpc.plan = (r) =>
      r.path.startsWith('/api/v0/add')
        ? {
            kind: 'status',
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: `${JSON.stringify({ Name: 'file', Hash: hash.toString(), Size: '10' })}\n`,
          }
        : { kind: 'pass' }
    return new KuboCAS({ rpcBaseUrl: rpc.url, gatewayBaseUrl: gatewayUrl, initialDelayMs: 5 })
  }

  it('a Hash that does not match the bytes gives an IntegrityError', async () => {
    const other = await new InMemoryCAS().save(new TextEncoder().encode('other bytes'), 'raw')
    const error = await answering(other)
      .save(new TextEncoder().encode('these bytes'), 'raw')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IntegrityError)
    expect(error).toMatchObject({ code: 'ERR_INTEGRITY' })
    expect((error as Error).message).toContain('/api/v0/add')
  })

  it('a dag-pb CID for a save that fits in one chunk is refused', async () => {
    const error = await answering(fileCid)
      .save(randomBytes(1000, 3), 'raw')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toContain(fileCid.toString())
    expect((error as Error).message).toContain('one raw block')
    // One over the chunk size may legitimately be a file.
    const big = randomBytes(1025, 4)
    const cas = answering(fileCid)
    const small = new KuboCAS({ rpcBaseUrl: rpc.url, gatewayBaseUrl: gatewayUrl, chunker: 'size-1024' })
    expect((await small.save(big, 'raw')).equals(fileCid)).toBe(true)
    await cas.close()
    await small.close()
  })

  it.each([
    ['rabin', 1000, true],
    ['rabin-16-32-64', 10, true],
    ['rabin-16-32-64', 1000, false],
  ])('with chunker %s, a file CID for %i bytes refused: %s', async (chunker, size, refused) => {
    answering(fileCid)
    const cas = new KuboCAS({ rpcBaseUrl: rpc.url, gatewayBaseUrl: gatewayUrl, chunker })
    const saved = cas.save(randomBytes(size, 5), 'raw')
    if (refused) await expect(saved).rejects.toBeInstanceOf(InvalidResponseError)
    else expect((await saved).equals(fileCid)).toBe(true)
  })
})
