import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import {
  HAMT,
  HamtError,
  HashCollisionError,
  InvalidKeyError,
  InvalidNodeError,
  InvalidOptionError,
  InvalidValueError,
  ReadOnlyError,
  UncommittedChangesError,
} from '../src/index.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('options', () => {
  for (const maxBucketSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects maxBucketSize ${maxBucketSize}`, async () => {
      const error = await HAMT.build({ cas: new InMemoryCAS(), maxBucketSize }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect((error as Error).message).toMatch(/maxBucketSize must be a positive integer/)
    })
  }

  it('rejects a read-only HAMT without a root, a bad cacheMaxBytes, a missing store', async () => {
    const cas = new InMemoryCAS()
    await expect(HAMT.build({ cas, readOnly: true })).rejects.toThrow(/read-only HAMT needs a rootNodeId/)
    await expect(HAMT.build({ cas, cacheMaxBytes: 0 })).rejects.toBeInstanceOf(InvalidOptionError)
    // @ts-expect-error: no store given
    await expect(HAMT.build({})).rejects.toThrow(/cas must implement ContentAddressedStore/)
  })

  it('rejects a hash function that returns no bytes', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS(), hashFn: () => new Uint8Array(0) })
    await expect(hamt.set('a', 1)).rejects.toThrow(/hashFn must return a non-empty Uint8Array/)
  })
})

describe('keys and values', () => {
  for (const key of [1, undefined, null, bytes('a'), ['a'], '\uD800x']) {
    it(`rejects the key ${JSON.stringify(key) ?? String(key)}`, async () => {
      const hamt = await HAMT.build({ cas: new InMemoryCAS() })
      await expect(hamt.set(key as string, 1)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(hamt.get(key as string)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(hamt.delete(key as string)).rejects.toBeInstanceOf(InvalidKeyError)
    })
  }

  for (const [name, value] of [
    ['undefined', undefined],
    ['a function', () => 1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a symbol', Symbol('s')],
    ['an object holding undefined', { a: undefined }],
  ] as const) {
    it(`rejects ${name} as a value and leaves the tree unchanged`, async () => {
      const cas = new InMemoryCAS()
      const hamt = await HAMT.build({ cas })
      await hamt.set('key', 'before')
      await hamt.cacheVacate()
      const root = hamt.rootNodeId
      const blocks = cas.blockCount
      const error = await hamt.set('key', value).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).key).toBe('key')
      expect((error as Error).message).toMatch(/Cannot store the value for key "key"/)
      expect(await hamt.get('key')).toBe('before')
      expect(hamt.rootNodeId.equals(root)).toBe(true)
      expect(cas.blockCount).toBe(blocks)
    })
  }

  it('requires bytes when valuesAreBytes is set', async () => {
    const hamt = await HAMT.build<Uint8Array>({ cas: new InMemoryCAS(), valuesAreBytes: true })
    await expect(hamt.set('k', 'text' as unknown as Uint8Array)).rejects.toThrow(/must be a Uint8Array/)
    expect(await hamt.size()).toBe(0)
  })
})

describe('modes', () => {
  it('refuses writes in read-only mode, with a typed error', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS() })
    await hamt.set('a', 1)
    await hamt.makeReadOnly()
    const error = await hamt.set('b', 2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReadOnlyError)
    expect(error).toBeInstanceOf(HamtError)
    expect((error as HamtError).code).toBe('ERR_READ_ONLY')
    await expect(hamt.delete('a')).rejects.toBeInstanceOf(ReadOnlyError)
    expect(await hamt.get('a')).toBe(1)
  })

  it('will not give a root CID that does not include buffered writes', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS() })
    // A new HAMT's empty root is not saved until the first commit, so it has no root CID yet.
    expect(() => hamt.rootNodeId).toThrow(UncommittedChangesError)
    await hamt.cacheVacate()
    const empty = hamt.rootNodeId
    await hamt.set('a', 1)
    expect(() => hamt.rootNodeId).toThrow(UncommittedChangesError)
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.equals(empty)).toBe(false)
  })
})

describe('corrupt nodes', () => {
  const cases: [string, Uint8Array][] = [
    ['bytes that are not CBOR', new Uint8Array([0xff, 0x00, 0x13])],
    ['a map instead of a node', dagCbor.encode({ a: 1 })],
    ['an array of 255 slots', dagCbor.encode(new Array(255).fill({}))],
    ['a slot holding a number', dagCbor.encode([...new Array(255).fill({}), 5])],
    ['a bucket holding a string value', dagCbor.encode([{ k: 'not a CID' }, ...new Array(255).fill({})])],
    ['a link of two CIDs', dagCbor.encode([[1, 2], ...new Array(255).fill({})])],
    // Tag 42 (0xd8 0x2a) around a byte string without the leading 0x00 DAG-CBOR requires.
    [
      'a CID tag without its 0x00 prefix',
      new Uint8Array([0x99, 0x01, 0x00, 0x81, 0xd8, 0x2a, 0x42, 0x01, 0x55, ...new Array(255).fill(0xa0)]),
    ],
    [
      'a CID tag holding no valid CID',
      new Uint8Array([0x99, 0x01, 0x00, 0x81, 0xd8, 0x2a, 0x43, 0x00, 0x01, 0xff, ...new Array(255).fill(0xa0)]),
    ],
  ]
  for (const [name, block] of cases) {
    it(`names the CID of ${name}`, async () => {
      const cas = new InMemoryCAS()
      const cid = await cas.save(block, 'dag-cbor')
      for (const readOnly of [true, false]) {
        const hamt = await HAMT.build({ cas, rootNodeId: cid, readOnly })
        const error = await hamt.get('x').catch((e: unknown) => e)
        expect(error).toBeInstanceOf(InvalidNodeError)
        expect((error as InvalidNodeError).cid?.equals(cid)).toBe(true)
        expect((error as Error).message).toContain(cid.toString())
      }
    })
  }
})

describe('hash collisions', () => {
  it('refuses more colliding keys than a bucket holds, and changes nothing', async () => {
    const cas = new InMemoryCAS()
    const constantHash = () => new Uint8Array([1, 2])
    const hamt = await HAMT.build({ cas, maxBucketSize: 2, hashFn: constantHash })
    await hamt.set('a', 1)
    await hamt.set('b', 2)
    const error = await hamt.set('c', 3).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HashCollisionError)
    expect((error as Error).message).toMatch(/3 keys share the same full hash.*"c"/)
    expect(await hamt.get('a')).toBe(1)
    expect(await hamt.get('c')).toBeUndefined()
    expect(await hamt.size()).toBe(2)
    await hamt.set('b', 20)
    expect(await hamt.get('b')).toBe(20)
  })
})
