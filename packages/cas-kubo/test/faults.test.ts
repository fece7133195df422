import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { IntegrityError, KuboCAS, type KuboCASOptions, KuboRequestError } from '../src/index.js'
import { FaultProxy } from './fault-proxy.js'
import { randomBytes, sameBytes } from './helpers.js'

const rpcUrl = inject('ipfsRpcUrl')
const gatewayUrl = inject('ipfsGatewayUrl')

let rpc: FaultProxy
let gateway: FaultProxy
/** Blocks saved straight to the node (no proxy) for the read tests. */
let raw: { cid: CID; data: Uint8Array }
let cbor: { cid: CID; data: Uint8Array }
let big: { cid: CID; data: Uint8Array }

beforeAll(async () => {
  rpc = await FaultProxy.start(rpcUrl)
  gateway = await FaultProxy.start(gatewayUrl)
  const direct = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
  const rawData = randomBytes(4096, 1)
  const cborData = dagCbor.encode({ hello: 'world', n: [1, 2, 3] })
  const bigData = randomBytes(2 * 1024 * 1024 + 17, 2)
  raw = { cid: await direct.save(rawData, 'raw'), data: rawData }
  cbor = { cid: await direct.save(cborData, 'dag-cbor'), data: cborData }
  big = { cid: await direct.save(bigData, 'raw'), data: bigData }
  expect(big.cid.code).toBe(0x70)
  await direct.close()
})
afterAll(async () => {
  await rpc.close()
  await gateway.close()
})
beforeEach(() => {
  rpc.reset()
  gateway.reset()
})

/** A KuboCAS through both proxies, with retry waits short enough for tests. */
function proxied(options: KuboCASOptions = {}): KuboCAS {
  return new KuboCAS({
    rpcBaseUrl: rpc.url,
    gatewayBaseUrl: gateway.url,
    initialDelayMs: 5,
    timeoutMs: 5_000,
    ...options,
  })
}

describe('transient faults are retried and succeed', () => {
  it('503s then success, on loads and saves', async () => {
    const cas = proxied()
    gateway.plan = (r) => (r.index <= 2 ? { kind: 'status', status: 503 } : { kind: 'pass' })
    expect(await cas.load(raw.cid)).toEqual(raw.data)
    expect(gateway.requests).toHaveLength(3)
    rpc.plan = (r) => (r.index <= 3 ? { kind: 'status', status: 502 } : { kind: 'pass' })
    const cid = await cas.save(raw.data, 'raw')
    expect(cid.equals(raw.cid)).toBe(true)
    expect(rpc.requests).toHaveLength(4)
  })

  it('429 with Retry-After waits as told', async () => {
    const cas = proxied({ initialDelayMs: 1 })
    gateway.plan = (r) =>
      r.index === 1 ? { kind: 'status', status: 429, headers: { 'Retry-After': '1' } } : { kind: 'pass' }
    const started = performance.now()
    expect(await cas.load(cbor.cid)).toEqual(cbor.data)
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
    expect(gateway.requests).toHaveLength(2)
  })

  it('a delay past the timeout is retried', async () => {
    const cas = proxied({ timeoutMs: 300 })
    gateway.plan = (r) => (r.index === 1 ? { kind: 'delay', ms: 1500 } : { kind: 'pass' })
    expect(await cas.load(raw.cid)).toEqual(raw.data)
    expect(gateway.requests).toHaveLength(2)
  })

  it('connection resets are retried', async () => {
    const cas = proxied()
    gateway.plan = (r) => (r.index <= 2 ? { kind: 'reset' } : { kind: 'pass' })
    expect(await cas.load(raw.cid)).toEqual(raw.data)
    rpc.plan = (r) => (r.index === 1 ? { kind: 'reset' } : { kind: 'pass' })
    expect((await cas.save(cbor.data, 'dag-cbor')).equals(cbor.cid)).toBe(true)
    expect(rpc.requests).toHaveLength(2)
  })

  it('truncated bodies are retried', async () => {
    const cas = proxied()
    gateway.plan = (r) => (r.index === 1 ? { kind: 'truncate' } : { kind: 'pass' })
    expect(await cas.load(raw.cid)).toEqual(raw.data)
    expect(gateway.requests).toHaveLength(2)
    gateway.reset()
    gateway.plan = (r) => (r.index === 1 ? { kind: 'truncate' } : { kind: 'pass' })
    expect(sameBytes(await cas.load(big.cid), big.data)).toBe(true)
    expect(gateway.requests).toHaveLength(2)
  })
})

describe('integrity', () => {
  it('altered bytes of a raw or dag-cbor block give an IntegrityError, never data', async () => {
    const cas = proxied()
    gateway.plan = () => ({ kind: 'corrupt' })
    for (const block of [raw, cbor]) {
      const error = await cas.load(block.cid).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(IntegrityError)
      expect(error).toMatchObject({ code: 'ERR_INTEGRITY', cid: block.cid })
      expect((error as Error).message).toContain(block.cid.toString())
      // Ranges are cut only from checked bytes.
      await expect(cas.load(block.cid, { offset: 0, length: 4 })).rejects.toBeInstanceOf(IntegrityError)
    }
  })

  it('checks sha2-256 CIDs too', async () => {
    const cas = proxied({ hasher: 'sha2-256' })
    const data = randomBytes(1000, 9)
    const cid = await cas.save(data, 'raw')
    expect(cid.multihash.code).toBe(0x12)
    expect(await cas.load(cid)).toEqual(data)
    gateway.plan = () => ({ kind: 'corrupt' })
    await expect(cas.load(cid)).rejects.toBeInstanceOf(IntegrityError)
  })

  it('trustless mode asks for raw blocks and refuses what it cannot check', async () => {
    const cas = proxied({ trustless: true })
    expect(await cas.load(cbor.cid)).toEqual(cbor.data)
    expect(gateway.requests[0]?.headers.accept).toBe('application/vnd.ipld.raw')
    // UnixFS files are read verified as CARs; without verifyFiles they cannot be checked.
    expect(sameBytes(await cas.load(big.cid), big.data)).toBe(true)
    await expect(proxied({ trustless: true, verifyFiles: false }).load(big.cid)).rejects.toMatchObject({
      code: 'ERR_UNVERIFIABLE',
    })
    gateway.plan = () => ({ kind: 'corrupt' })
    await expect(cas.load(raw.cid)).rejects.toBeInstanceOf(IntegrityError)
  })
})

describe('a gateway that ignores Range', () => {
  it('still gives exactly the range asked for (unchecked file reads)', async () => {
    const cas = proxied({ verifyFiles: false })
    gateway.plan = () => ({ kind: 'ignore-range' })
    const chunk = 1024 * 1024
    expect(
      sameBytes(await cas.load(big.cid, { offset: chunk - 3, length: 10 }), big.data.subarray(chunk - 3, chunk + 7)),
    ).toBe(true)
    expect(sameBytes(await cas.load(big.cid, { suffix: 5 }), big.data.subarray(big.data.length - 5))).toBe(true)
    expect(gateway.requests.every((r) => r.headers.range !== undefined)).toBe(true)
  })
})

describe('failures that are not retried, or retried in vain', () => {
  it('exhausted retries give a clear error naming URL, CID, status and attempts', async () => {
    const cas = proxied({ maxRetries: 2 })
    gateway.plan = () => ({ kind: 'status', status: 503, body: 'upstream is down' })
    const error = (await cas.load(raw.cid).catch((e: unknown) => e)) as KuboRequestError
    expect(error).toBeInstanceOf(KuboRequestError)
    expect(error).toMatchObject({ code: 'ERR_KUBO_REQUEST', status: 503, attempts: 3, operation: 'load' })
    expect(error.message).toContain(`${gateway.url}/ipfs/${raw.cid}`)
    expect(error.message).toContain(raw.cid.toString())
    expect(error.message).toContain('HTTP 503')
    expect(error.message).toContain('3 attempts')
    expect(error.message).toContain('upstream is down')
    expect(gateway.requests).toHaveLength(3)
  })

  it('exhausted retries on resets and timeouts end with an error, not a hang', async () => {
    const cas = proxied({ maxRetries: 1, timeoutMs: 200 })
    gateway.plan = () => ({ kind: 'reset' })
    const reset = (await cas.load(raw.cid).catch((e: unknown) => e)) as KuboRequestError
    expect(reset).toMatchObject({ code: 'ERR_KUBO_REQUEST', status: undefined, attempts: 2 })
    expect(reset.message).toContain('network error')
    rpc.plan = () => ({ kind: 'delay', ms: 2000 })
    const slow = (await cas.save(raw.data, 'raw').catch((e: unknown) => e)) as KuboRequestError
    expect(slow).toMatchObject({ code: 'ERR_KUBO_REQUEST', attempts: 2, operation: 'save' })
    expect(slow.message).toContain('timed out after 200 ms')
  })

  it('other 4xx fail at once', async () => {
    const cas = proxied()
    gateway.plan = () => ({ kind: 'status', status: 400 })
    await expect(cas.load(raw.cid)).rejects.toMatchObject({ status: 400, attempts: 1 })
    rpc.plan = () => ({ kind: 'status', status: 403 })
    await expect(cas.save(raw.data, 'raw')).rejects.toMatchObject({ status: 403, attempts: 1 })
    expect(gateway.requests).toHaveLength(1)
    expect(rpc.requests).toHaveLength(1)
  })

  it('an AbortSignal stops a call at once, in flight or waiting to retry', async () => {
    const cas = proxied({ initialDelayMs: 60_000 })
    gateway.plan = () => ({ kind: 'delay', ms: 3000 })
    const inFlight = new AbortController()
    const pending = cas.load(raw.cid, undefined, { signal: inFlight.signal })
    setTimeout(() => inFlight.abort(new Error('caller gave up')), 50)
    await expect(pending).rejects.toThrow('caller gave up')
    gateway.plan = () => ({ kind: 'status', status: 503 })
    const retrying = new AbortController()
    const waiting = cas.load(raw.cid, undefined, { signal: retrying.signal })
    setTimeout(() => retrying.abort(new Error('stop retrying')), 200)
    await expect(waiting).rejects.toThrow('stop retrying')
  })

  it('close() fails calls in flight and later calls with ClosedError', async () => {
    const cas = proxied()
    gateway.plan = () => ({ kind: 'delay', ms: 3000 })
    const pending = cas.load(raw.cid)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await cas.close()
    await expect(pending).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(cas.load(raw.cid)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
    await expect(cas.save(raw.data, 'raw')).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })
})

describe('concurrency', () => {
  it('requests in flight never exceed the limit, for loads and a whole HAMT build', async () => {
    const cas = proxied({ concurrency: 4 })
    gateway.plan = () => ({ kind: 'delay', ms: 20 })
    const loads = await Promise.all(Array.from({ length: 40 }, () => cas.load(raw.cid)))
    expect(loads.every((bytes) => sameBytes(bytes, raw.data))).toBe(true)
    expect(gateway.maxInFlight).toBe(4)

    rpc.plan = () => ({ kind: 'delay', ms: 2 })
    const hamt = await HAMT.build({ cas })
    await Promise.all(Array.from({ length: 300 }, (_, i) => hamt.set(`k${i}`, i)))
    await hamt.makeReadOnly()
    expect(rpc.requests.length).toBeGreaterThan(300)
    expect(rpc.maxInFlight).toBeLessThanOrEqual(4)
    expect(rpc.maxInFlight).toBeGreaterThan(1)
  })

  it('one limit is shared by RPC and gateway requests', async () => {
    const cas = proxied({ concurrency: 3 })
    gateway.plan = () => ({ kind: 'delay', ms: 30 })
    rpc.plan = () => ({ kind: 'delay', ms: 30 })
    let peak = 0
    const timer = setInterval(() => {
      peak = Math.max(peak, gateway.inFlight + rpc.inFlight)
    }, 2)
    await Promise.all([
      ...Array.from({ length: 15 }, () => cas.load(raw.cid)),
      ...Array.from({ length: 15 }, (_, i) => cas.save(new Uint8Array([i]), 'raw')),
    ])
    clearInterval(timer)
    expect(peak).toBeGreaterThan(0)
    expect(peak).toBeLessThanOrEqual(3)
  })
})

describe('a HAMT whose flush failed midway', () => {
  it('completes on the next makeReadOnly() with nothing lost', async () => {
    const cas = proxied({ maxRetries: 0, concurrency: 8 })
    const hamt = await HAMT.build<number>({ cas })
    const reference = await HAMT.build<number>({ cas: new InMemoryCAS() })
    const n = 2000
    await Promise.all(
      Array.from({ length: n }, (_, i) => Promise.all([hamt.set(`k${i}`, i), reference.set(`k${i}`, i)])),
    )
    await reference.makeReadOnly()
    // Node saves start now: let 50 through, then fail the rest.
    const before = rpc.seen('/api/v0/add').length
    rpc.plan = (r) => (r.index > before + 50 ? { kind: 'status', status: 500 } : { kind: 'pass' })
    await expect(hamt.makeReadOnly()).rejects.toBeInstanceOf(KuboRequestError)
    expect(hamt.readOnly).toBe(false)
    rpc.plan = () => ({ kind: 'pass' })
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(reference.rootNodeId.toString())
    const reader = new KuboCAS({ gatewayBaseUrl: gatewayUrl })
    const reopened = await HAMT.build<number>({ cas: reader, rootNodeId: hamt.rootNodeId, readOnly: true })
    expect(await reopened.size()).toBe(n)
    const sample = Array.from({ length: 200 }, (_, j) => (j * 37) % n)
    expect(await Promise.all(sample.map((i) => reopened.get(`k${i}`)))).toEqual(sample)
    await reader.close()
  })
})
