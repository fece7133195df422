import { InMemoryCAS } from '@hamt/cas-memory'
import { CarReader } from '@ipld/car'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DelayedGateway } from '../src/server.js'

const cas = new InMemoryCAS()
const block = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff)
const files = new Map([['temp/zarr.json', new TextEncoder().encode('{"zarr_format":3}')]])
let gateway: DelayedGateway

beforeAll(async () => {
  gateway = await new DelayedGateway({ rttMs: 0, blocks: (cid) => cas.load(cid).catch(() => undefined), files }).start()
})
afterAll(async () => {
  await gateway.close()
})

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())

describe('DelayedGateway', () => {
  test('serves a block raw, by ?format=raw or by Accept, counting each', async () => {
    const cid = await cas.save(block, 'raw')
    gateway.resetCounts()
    const byQuery = await fetch(`${gateway.url}/ipfs/${cid}?format=raw`)
    expect(byQuery.status).toBe(200)
    expect(byQuery.headers.get('content-type')).toBe('application/vnd.ipld.raw')
    expect(await bytesOf(byQuery)).toEqual(block)
    const byAccept = await fetch(`${gateway.url}/ipfs/${cid}`, { headers: { accept: 'application/vnd.ipld.raw' } })
    expect(await bytesOf(byAccept)).toEqual(block)
    expect(gateway.counts).toEqual({ raw: 2, car: 0, files: 0, failed: 0, total: 2 })
  })

  test('serves a block as a CAR whose root is the block and which holds exactly it', async () => {
    const cid = await cas.save(block, 'raw')
    for (const request of [
      fetch(`${gateway.url}/ipfs/${cid}?format=car`),
      fetch(`${gateway.url}/ipfs/${cid}`, { headers: { accept: 'application/vnd.ipld.car' } }),
    ]) {
      const response = await request
      expect(response.headers.get('content-type')).toBe('application/vnd.ipld.car')
      const car = await CarReader.fromBytes(await bytesOf(response))
      expect((await car.getRoots()).map(String)).toEqual([cid.toString()])
      const blocks = []
      for await (const b of car.blocks()) blocks.push(b)
      expect(blocks).toHaveLength(1)
      expect(blocks[0]?.cid.toString()).toBe(cid.toString())
      expect(blocks[0]?.bytes).toEqual(block)
    }
  })

  test('serves the plain files, and refuses what it does not have or cannot answer', async () => {
    gateway.resetCounts()
    const file = await fetch(`${gateway.filesUrl}/temp/zarr.json`)
    expect(await file.text()).toBe('{"zarr_format":3}')
    const missing = await cas.save(Uint8Array.of(1), 'raw')
    const absent = new InMemoryCAS()
    const unknown = await absent.save(Uint8Array.of(9, 9, 9), 'raw')
    expect((await fetch(`${gateway.filesUrl}/temp/c/0`)).status).toBe(404)
    expect((await fetch(`${gateway.url}/ipfs/${unknown}?format=raw`)).status).toBe(404)
    expect((await fetch(`${gateway.url}/ipfs/not-a-cid?format=raw`)).status).toBe(400)
    expect((await fetch(`${gateway.url}/ipfs/${missing}`)).status).toBe(406)
    expect((await fetch(`${gateway.url}/ipfs/${missing}?format=tar`)).status).toBe(406)
    expect((await fetch(`${gateway.url}/elsewhere`)).status).toBe(404)
    expect((await fetch(`${gateway.url}/ipfs/${missing}?format=raw`, { method: 'POST' })).status).toBe(405)
    expect(gateway.counts).toMatchObject({ files: 1, failed: 7, total: 8 })
  })

  test('delays every answer by the RTT it is set to', async () => {
    gateway.rttMs = 150
    try {
      const start = performance.now()
      const answers = await Promise.all([
        fetch(`${gateway.filesUrl}/temp/zarr.json`),
        fetch(`${gateway.filesUrl}/nothing-here`),
      ])
      const elapsed = performance.now() - start
      expect(answers.map((a) => a.status)).toEqual([200, 404])
      // A lower bound only: how much longer a loaded machine takes is not asserted.
      expect(elapsed).toBeGreaterThanOrEqual(145)
    } finally {
      gateway.rttMs = 0
    }
  })

  test('has no URL before it is started', () => {
    const idle = new DelayedGateway({ rttMs: 0, blocks: async () => undefined, files: new Map() })
    expect(() => idle.url).toThrow(/not started/)
  })
})
