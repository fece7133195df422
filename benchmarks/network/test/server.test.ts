import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { CarReader } from '@ipld/car'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { keyChain, keyPathSegments } from '../src/hamt-chain.js'
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
    expect(gateway.counts).toEqual({ raw: 2, car: 0, pathCar: 0, files: 0, failed: 0, total: 2 })
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

// A real HAMT three levels deep: with one key a bucket, 3,000 keys fill the root's 256 slots with
// links, and the level-1 nodes put colliding keys one level further down.
const hamtCas = new InMemoryCAS()
const KEYS = 3000
const utf8 = new TextEncoder()
const entries = Array.from({ length: KEYS }, (_, i) => [`temp/c/${i}`, utf8.encode(`value ${i}`)] as const)
let root: CID
/** A key whose bucket sits in a level-2 node, and the nodes on its path. */
let deep: { key: string; value: Uint8Array; chain: CID[] }
let hamtGateway: DelayedGateway

/** The CAR answered for `/ipfs/{root}/{segments}` with these query parameters: its root and blocks. */
async function pathCar(segments: readonly string[], query = 'format=car&dag-scope=block', from: CID = root) {
  const path = segments.map(encodeURIComponent).join('/')
  const response = await fetch(`${hamtGateway.url}/ipfs/${from}/${path}?${query}`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/vnd.ipld.car')
  const car = await CarReader.fromBytes(new Uint8Array(await response.arrayBuffer()))
  const blocks: { cid: string; bytes: Uint8Array }[] = []
  for await (const block of car.blocks()) blocks.push({ cid: block.cid.toString(), bytes: block.bytes })
  return { roots: (await car.getRoots()).map(String), cids: blocks.map((b) => b.cid), blocks }
}

const strings = (cids: readonly CID[]) => cids.map(String)
/** The slot of `key` at `depth`: byte `depth` of its hash, as the path's segments name it. */
const slot = (key: string, depth: number) => keyPathSegments(key, depth + 1)[2 * depth] as string

describe('DelayedGateway, path CARs', () => {
  beforeAll(async () => {
    const hamt = await HAMT.fromEntries<Uint8Array>(entries, { cas: hamtCas, valuesAreBytes: true, maxBucketSize: 1 })
    root = hamt.rootNodeId
    for (const [key, value] of entries) {
      const chain = await keyChain((cid) => hamtCas.load(cid), root, key)
      if (chain.length === 3) {
        deep = { key, value, chain }
        break
      }
    }
    hamtGateway = await new DelayedGateway({
      rttMs: 0,
      blocks: (cid) => hamtCas.load(cid).catch(() => undefined),
      files: new Map(),
    }).start()
  })
  afterAll(async () => {
    await hamtGateway.close()
  })

  test('the HAMT is three levels deep', () => {
    expect(deep.chain).toHaveLength(3)
    // A key's hash (32 bytes) names 32 levels at most.
    expect(keyPathSegments(deep.key, 32)).toHaveLength(64)
    expect(() => keyPathSegments(deep.key, 33)).toThrow(RangeError)
  })

  test('a path deeper than the key answers exactly its chain of nodes, as a path that does not resolve', async () => {
    hamtGateway.resetCounts()
    const car = await pathCar(keyPathSegments(deep.key, 8))
    expect(car.roots).toEqual(['bafkqaaa'])
    expect(car.cids).toEqual(strings(deep.chain))
    for (const [i, block] of car.blocks.entries()) expect(block.bytes).toEqual(await hamtCas.load(deep.chain[i] as CID))
    expect(hamtGateway.counts).toEqual({ raw: 0, car: 0, pathCar: 1, files: 0, failed: 0, total: 1 })
  })

  test('a path ending in a link ends with the block it links to, which the header names', async () => {
    const toNode = await pathCar(keyPathSegments(deep.key, 1))
    expect(toNode.cids).toEqual(strings(deep.chain.slice(0, 2)))
    expect(toNode.roots).toEqual([String(deep.chain[1])])
    // Down to the value: the key (which holds `/`s) is one segment, URL-encoded.
    const toValue = await pathCar([...keyPathSegments(deep.key, 2), slot(deep.key, 2), deep.key])
    expect(toValue.cids.slice(0, 3)).toEqual(strings(deep.chain))
    expect(toValue.blocks).toHaveLength(4)
    expect(toValue.blocks[3]?.bytes).toEqual(deep.value)
    expect(toValue.roots).toEqual([toValue.cids[3]])
    // A path ending inside a block, on data that is no link: that block is the terminal.
    const toSlot = await pathCar([slot(deep.key, 0)])
    expect(toSlot).toMatchObject({ roots: [String(root)], cids: [String(root)] })
  })

  test('a path that does not resolve answers the blocks traversed up to there', async () => {
    const absentKey = await pathCar([...keyPathSegments(deep.key, 2), slot(deep.key, 2), 'temp/c/none'])
    expect(absentKey).toMatchObject({ roots: ['bafkqaaa'], cids: strings(deep.chain) })
    for (const segments of [['x'], ['256'], ['01'], [slot(deep.key, 0), '1']]) {
      expect(await pathCar(segments)).toMatchObject({ roots: ['bafkqaaa'], cids: [String(root)] })
    }
    // A segment into a raw block's bytes (saving the same bytes again names the same block).
    const value = await pathCar(['0'], 'format=car&dag-scope=block', await hamtCas.save(deep.value, 'raw'))
    expect(value).toMatchObject({ roots: ['bafkqaaa'], blocks: [{ bytes: deep.value }] })
  })

  test('dag-scope all (the default) adds every block under the terminal once; entity is block', async () => {
    const everything = await pathCar([], 'format=car')
    expect(everything.cids[0]).toBe(String(root))
    expect(new Set(everything.cids).size).toBe(everything.cids.length)
    expect(everything.cids).toHaveLength(hamtCas.blockCount)
    const below = await pathCar(keyPathSegments(deep.key, 1), 'format=car&dag-scope=all')
    expect(below.cids.slice(0, 2)).toEqual(strings(deep.chain.slice(0, 2)))
    expect(below.cids).toContain(String(deep.chain[2]))
    expect(new Set(below.cids).size).toBe(below.cids.length)
    expect(below.cids.length).toBeLessThan(everything.cids.length)
    const entity = await pathCar(keyPathSegments(deep.key, 1), 'format=car&dag-scope=entity')
    expect(entity.cids).toEqual(strings(deep.chain.slice(0, 2)))
    // Not resolving, the scope adds nothing.
    expect((await pathCar(['x'], 'format=car')).cids).toEqual([String(root)])
  })

  test('asked by Accept, counted apart from CARs by CID alone', async () => {
    hamtGateway.resetCounts()
    const path = keyPathSegments(deep.key, 1).join('/')
    const byAccept = await fetch(`${hamtGateway.url}/ipfs/${root}/${path}?dag-scope=block`, {
      headers: { accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' },
    })
    const car = await CarReader.fromBytes(new Uint8Array(await byAccept.arrayBuffer()))
    expect((await car.getRoots()).map(String)).toEqual([String(deep.chain[1])])
    await pathCar([], 'format=car&dag-scope=block')
    // A trailing slash is no path.
    await (await fetch(`${hamtGateway.url}/ipfs/${root}/?format=car&dag-scope=block`)).arrayBuffer()
    expect(hamtGateway.counts).toMatchObject({ car: 2, pathCar: 1, total: 3 })
  })

  test('refuses a missing root, raw blocks by path, unknown scopes and bad encodings', async () => {
    hamtGateway.resetCounts()
    const unknown = await new InMemoryCAS().save(Uint8Array.of(7), 'raw')
    const path = keyPathSegments(deep.key, 2).join('/')
    expect((await fetch(`${hamtGateway.url}/ipfs/${unknown}/1/0?format=car&dag-scope=block`)).status).toBe(404)
    expect((await fetch(`${hamtGateway.url}/ipfs/${unknown}?format=car&dag-scope=block`)).status).toBe(404)
    expect((await fetch(`${hamtGateway.url}/ipfs/${root}/${path}?format=raw`)).status).toBe(400)
    const rawByAccept = await fetch(`${hamtGateway.url}/ipfs/${root}/${path}`, {
      headers: { accept: 'application/vnd.ipld.raw' },
    })
    expect(rawByAccept.status).toBe(400)
    expect((await fetch(`${hamtGateway.url}/ipfs/${root}/${path}?format=car&dag-scope=dag`)).status).toBe(400)
    expect((await fetch(`${hamtGateway.url}/ipfs/${root}/%E0%A4%A?format=car`)).status).toBe(400)
    expect((await fetch(`${hamtGateway.url}/ipfs/${root}/${path}`)).status).toBe(406)
    expect(hamtGateway.counts).toMatchObject({ car: 0, pathCar: 0, failed: 7, total: 7 })
  })

  test('delays a path CAR by the RTT like every answer', async () => {
    hamtGateway.rttMs = 150
    try {
      const start = performance.now()
      await pathCar(keyPathSegments(deep.key, 8))
      // A lower bound only: how much longer a loaded machine takes is not asserted.
      expect(performance.now() - start).toBeGreaterThanOrEqual(145)
    } finally {
      hamtGateway.rttMs = 0
    }
  })
})
