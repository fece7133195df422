import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import {
  blake3Cid,
  blake3Hasher,
  blake3HashFn,
  CID,
  checkSaveInput,
  extractBits,
  HAMT,
  InvalidOptionError,
  InvalidRangeError,
  resolveRange,
  sliceRange,
} from '../src/index.js'
import { collect } from './collect.js'

describe('extractBits', () => {
  const hash = new Uint8Array([0b10110011, 0b01011100, 0xff])
  it('reads bits most significant first, as py-hamt', () => {
    expect(extractBits(hash, 0, 8)).toBe(0b10110011)
    expect(extractBits(hash, 1, 8)).toBe(0b01011100)
    expect(extractBits(hash, 0, 4)).toBe(0b1011)
    expect(extractBits(hash, 1, 4)).toBe(0b0011)
    expect(extractBits(hash, 3, 3)).toBe(0b101)
    expect(extractBits(hash, 0, 24)).toBe(0xb35cff)
    expect(extractBits(hash, 23, 1)).toBe(1)
  })
  it('equals hash[depth] for 8 bits at every depth', () => {
    const h = blake3HashFn(new TextEncoder().encode('zarr.json'))
    for (let d = 0; d < 32; d++) expect(extractBits(h, d, 8)).toBe(h[d])
  })
  it('refuses to read past the end of the hash', () => {
    expect(() => extractBits(hash, 3, 8)).toThrow(InvalidOptionError)
    expect(() => extractBits(hash, 0, 0)).toThrow(/nbits must be an integer from 1 to 32/)
    expect(() => extractBits(hash, -1, 8)).toThrow(InvalidOptionError)
  })
})

describe('values', () => {
  it('round-trips IPLD data through DAG-CBOR', async () => {
    const cas = new InMemoryCAS()
    const hamt = await HAMT.build({ cas })
    const link = await cas.save(new Uint8Array([1]), 'raw')
    const values: unknown[] = [
      null,
      true,
      0,
      -7,
      2 ** 53 - 1,
      2.5,
      'text',
      new Uint8Array([1, 2]),
      [1, [2]],
      { a: { b: link } },
    ]
    for (const [i, value] of values.entries()) await hamt.set(`v${i}`, value)
    await hamt.makeReadOnly()
    for (const [i, value] of values.entries()) expect(await hamt.get(`v${i}`)).toEqual(value)
  })

  it('encodes an integral number as a CBOR integer: 2.0 and 2 are one value in JavaScript', async () => {
    const cas = new InMemoryCAS()
    const hamt = await HAMT.build({ cas })
    await hamt.set('two', 2.0)
    const bytes = await cas.load((await hamt.getPointer('two')) as CID)
    expect([...bytes]).toEqual([0x02])
    await hamt.set('half', 0.5)
    const half = await cas.load((await hamt.getPointer('half')) as CID)
    expect(half[0]).toBe(0xfb) // float64, as Python writes every float
  })

  it('lists entries, pointers and presence', async () => {
    const hamt = await HAMT.build<Uint8Array>({ cas: new InMemoryCAS(), valuesAreBytes: true, maxBucketSize: 1 })
    for (let i = 0; i < 50; i++) await hamt.set(`k${i}`, new Uint8Array([i]))
    const entries = await collect(hamt.entries())
    expect(entries.length).toBe(50)
    for (const [key, value] of entries) expect(`k${value[0]}`).toBe(key)
    const pointer = await hamt.getPointer('k3')
    expect(pointer?.code).toBe(0x55)
    expect(pointer?.multihash.code).toBe(0x1e)
    expect(await hamt.getPointer('nope')).toBeUndefined()
    expect(await hamt.has('k49')).toBe(true)
    expect(hamt.maxBucketSize).toBe(1)
    expect(hamt.valuesAreBytes).toBe(true)
  })
})

describe('memory', () => {
  it('reports and vacates the write-mode tree, after which the root is valid', async () => {
    const cas = new InMemoryCAS()
    const hamt = await HAMT.build({ cas })
    for (let i = 0; i < 3000; i++) await hamt.set(`k${i}`, i)
    const before = await hamt.cacheSize()
    expect(before).toBeGreaterThan(3000 * 40)
    await hamt.cacheVacate()
    expect(await hamt.cacheSize()).toBe(0)
    const root = hamt.rootNodeId
    expect(await hamt.get('k2999')).toBe(2999)
    await hamt.set('extra', 1)
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.equals(root)).toBe(false)
    const reopened = await HAMT.build({ cas, rootNodeId: hamt.rootNodeId, readOnly: true })
    expect(await reopened.size()).toBe(3001)
    expect(await reopened.cacheSize()).toBeGreaterThan(0)
  })
})

describe('ranges', () => {
  const data = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  it('clips like HTTP ranges', () => {
    expect([...sliceRange(data, { offset: 2, length: 3 })]).toEqual([2, 3, 4])
    expect([...sliceRange(data, { offset: 8, length: 5 })]).toEqual([8, 9])
    expect([...sliceRange(data, { offset: 7 })]).toEqual([7, 8, 9])
    expect([...sliceRange(data, { offset: 10 })]).toEqual([])
    expect([...sliceRange(data, { suffix: 2 })]).toEqual([8, 9])
    expect([...sliceRange(data, { suffix: 20 })].length).toBe(10)
    expect(sliceRange(data, undefined)).toBe(data)
    expect(resolveRange({ suffix: 0 }, 10)).toEqual({ start: 10, end: 10 })
  })
  it('rejects malformed ranges and offsets past the end', () => {
    expect(() => sliceRange(data, { offset: 11 })).toThrow(InvalidRangeError)
    expect(() => sliceRange(data, { offset: -1 })).toThrow(/offset must be a non-negative integer/)
    expect(() => sliceRange(data, { offset: 0, length: 1.5 })).toThrow(/length must be/)
    expect(() => sliceRange(data, { suffix: -3 })).toThrow(/suffix must be/)
  })
})

describe('blake3Hasher', () => {
  it('makes the CIDs Kubo makes for blake3 raw blocks', async () => {
    const digest = await blake3Hasher.digest(new TextEncoder().encode('v0'))
    expect(CID.createV1(0x55, digest).toString()).toMatch(/^bafkr4i/)
  })
})

describe('blake3Cid', () => {
  it('equals the CID multiformats builds for the same block, for both codecs', async () => {
    for (const [codec, code] of [
      ['raw', 0x55],
      ['dag-cbor', 0x71],
    ] as const) {
      for (let i = 0; i < 3000; i++) {
        const data = new TextEncoder().encode(`block ${i}`)
        const expected = CID.createV1(code, await blake3Hasher.digest(data))
        const cid = blake3Cid(data, codec)
        expect(cid.equals(expected)).toBe(true)
        expect(cid.toString()).toBe(expected.toString())
        expect(CID.decode(cid.bytes).equals(cid)).toBe(true)
      }
    }
  })
})

describe('checkSaveInput', () => {
  it('accepts bytes with a known codec and names what is wrong otherwise', () => {
    expect(() => checkSaveInput(new Uint8Array(1), 'raw')).not.toThrow()
    expect(() => checkSaveInput(new Uint8Array(1), 'dag-cbor')).not.toThrow()
    expect(() => checkSaveInput(new Uint8Array(1), 'dag-pb')).toThrow(/codec must be 'raw' or 'dag-cbor', got "dag-pb"/)
    expect(() => checkSaveInput('text', 'raw')).toThrow(InvalidOptionError)
  })
})
