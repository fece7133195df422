import type { CID } from '@hamt/core'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { KuboCAS, type KuboCASOptions } from '../src/index.js'
import { FaultProxy } from './fault-proxy.js'
import { randomBytes, sameBytes } from './helpers.js'

const rpcUrl = inject('ipfsRpcUrl')
const gatewayUrl = inject('ipfsGatewayUrl')

/** Three fault proxies in front of the same node, each playing one kind of gateway. */
let dead: FaultProxy
let slow: FaultProxy
let good: FaultProxy
let block: { cid: CID; data: Uint8Array }
let file: { cid: CID; data: Uint8Array }

beforeAll(async () => {
  ;[dead, slow, good] = await Promise.all([
    FaultProxy.start(gatewayUrl),
    FaultProxy.start(gatewayUrl),
    FaultProxy.start(gatewayUrl),
  ])
  const direct = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
  const data = randomBytes(8000, 21)
  block = { cid: await direct.save(data, 'raw'), data }
  const big = randomBytes(1024 * 1024 + 500, 22)
  file = { cid: await direct.save(big, 'raw'), data: big }
  await direct.close()
})
afterAll(async () => {
  await Promise.all([dead.close(), slow.close(), good.close()])
})
beforeEach(() => {
  for (const proxy of [dead, slow, good]) proxy.reset()
  dead.plan = () => ({ kind: 'reset' })
  slow.plan = () => ({ kind: 'delay', ms: 3000 })
})

function three(options: KuboCASOptions = {}): KuboCAS {
  return new KuboCAS({
    gatewayBaseUrls: [dead.url, slow.url, good.url],
    initialDelayMs: 5,
    timeoutMs: 400,
    maxRetries: 1,
    ...options,
  })
}

describe('several gateways', () => {
  it('one dead, one slow, one good: loads succeed, and later loads go straight to the good one', async () => {
    const cas = three()
    expect(cas.gatewayBaseUrls).toEqual([dead.url, slow.url, good.url])
    expect(cas.gatewayBaseUrl).toBe(dead.url)
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(dead.requests).toHaveLength(1)
    expect(slow.requests).toHaveLength(1)
    expect(good.requests).toHaveLength(1)

    const started = performance.now()
    const loads = await Promise.all(Array.from({ length: 10 }, () => cas.load(block.cid)))
    expect(loads.every((bytes) => sameBytes(bytes, block.data))).toBe(true)
    expect(sameBytes(await cas.load(file.cid), file.data)).toBe(true)
    expect(performance.now() - started).toBeLessThan(2000)
    // Both set aside for the cooldown (30 s by default).
    expect(dead.requests).toHaveLength(1)
    expect(slow.requests).toHaveLength(1)
    expect(good.requests).toHaveLength(12)
  })

  it('a gateway set aside is used again after its cooldown', async () => {
    const cas = three({ gatewayCooldownMs: 1000 })
    expect(await cas.load(block.cid)).toEqual(block.data)
    dead.plan = () => ({ kind: 'pass' })
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(dead.requests).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(dead.requests).toHaveLength(2)
  })

  it('a hedged request answers for a slow gateway without waiting for its timeout', async () => {
    const cas = new KuboCAS({ gatewayBaseUrls: [slow.url, good.url], hedgeDelayMs: 50, timeoutMs: 10_000 })
    const started = performance.now()
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(performance.now() - started).toBeLessThan(1500)
    expect(slow.requests).toHaveLength(1)
    expect(good.requests).toHaveLength(1)
    // The slow one lost the race: it is set aside, the next load does not wait for it.
    const again = performance.now()
    expect(sameBytes(await cas.load(file.cid, { offset: 10, length: 1000 }), file.data.subarray(10, 1010))).toBe(true)
    expect(performance.now() - again).toBeLessThan(1500)
    expect(slow.requests).toHaveLength(1)
  })

  it('time spent waiting for a slot of the concurrency limit does not start hedges', async () => {
    slow.plan = () => ({ kind: 'delay', ms: 100 })
    const cas = new KuboCAS({ gatewayBaseUrls: [slow.url, good.url], hedgeDelayMs: 300, concurrency: 2 })
    // 5 rounds of 100 ms: most loads wait well over 300 ms in the queue, none is slow once started.
    const loads = await Promise.all(Array.from({ length: 10 }, () => cas.load(block.cid)))
    expect(loads.every((bytes) => sameBytes(bytes, block.data))).toBe(true)
    expect(slow.requests).toHaveLength(10)
    expect(good.requests).toHaveLength(0)
  })

  it('without a hedge delay, a fast primary is the only one asked', async () => {
    const cas = new KuboCAS({ gatewayBaseUrls: [good.url, slow.url], hedgeDelayMs: 1000 })
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(slow.requests).toHaveLength(0)
  })

  it('a gateway that lacks a block, or sends bad bytes, hands over to the next', async () => {
    dead.plan = () => ({ kind: 'status', status: 404 })
    slow.plan = () => ({ kind: 'corrupt' })
    const cas = three()
    expect(await cas.load(block.cid)).toEqual(block.data)
    expect(sameBytes(await new KuboCAS({ gatewayBaseUrls: [slow.url, good.url] }).load(file.cid), file.data)).toBe(true)
    expect(good.requests).toHaveLength(2)
  })

  it('when every gateway lacks the block, BlockNotFoundError', async () => {
    dead.plan = () => ({ kind: 'status', status: 404 })
    slow.plan = () => ({ kind: 'status', status: 410 })
    good.plan = () => ({ kind: 'status', status: 404 })
    await expect(three().load(block.cid)).rejects.toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND' })
  })

  it('when every gateway fails, the error names the last one', async () => {
    good.plan = () => ({ kind: 'status', status: 503 })
    const error = await three()
      .load(block.cid)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_KUBO_REQUEST', attempts: 4 })
  })

  it('gatewayBaseUrls is checked', () => {
    for (const options of [
      { gatewayBaseUrls: [] },
      { gatewayBaseUrls: ['http://a.example', 'http://a.example/ipfs/'] },
      { gatewayBaseUrls: ['ftp://a.example'] },
      { gatewayBaseUrls: ['http://a.example'], gatewayBaseUrl: 'http://b.example' },
      { gatewayCooldownMs: -1 },
      { hedgeDelayMs: Number.NaN },
      { maxRetryAfterMs: -5 },
      { maxFileBytes: 0 },
    ]) {
      expect(() => new KuboCAS(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    }
  })
})
