import { InvalidRangeError } from '@hamt/core'
import { describe, expect, test } from 'vitest'
import {
  abortable,
  isMetadataKey,
  KeyIndex,
  MetadataCache,
  toByteRange,
  toDirPrefix,
  toHamtKey,
  ValueCache,
  writeConsolidatedMetadata,
  ZarrMetadataError,
} from '../src/index.js'

const utf8 = new TextEncoder()

describe('keys', () => {
  test('normalises zarrita keys and directory prefixes', () => {
    expect(toHamtKey('/temp/c/0')).toBe('temp/c/0')
    expect(toHamtKey('temp/c/0')).toBe('temp/c/0')
    expect(toDirPrefix('/')).toBe('')
    expect(toDirPrefix('temp')).toBe('temp/')
    expect(toDirPrefix('/temp/')).toBe('temp/')
    expect(isMetadataKey('zarr.json')).toBe(true)
    expect(isMetadataKey('a/b/zarr.json')).toBe(true)
    expect(isMetadataKey('a/zarr.jsonx')).toBe(false)
  })
})

describe('KeyIndex', () => {
  test('lists all keys, by prefix, and the children of a directory', () => {
    const index = new KeyIndex(['b/c', 'a', 'b-x', 'b', 'b/d/e', 'c/zarr.json'])
    expect(index.size).toBe(6)
    expect(index.all()).toEqual(['a', 'b', 'b-x', 'b/c', 'b/d/e', 'c/zarr.json'])
    expect([...index.withPrefix('b/')]).toEqual(['b/c', 'b/d/e'])
    expect([...index.children('')]).toEqual(['a', 'b', 'b-x', 'c'])
    expect([...index.children('b/')]).toEqual(['c', 'd'])
    expect([...index.children('zz/')]).toEqual([])
  })
})

describe('ValueCache', () => {
  test('loads a key once for concurrent callers and evicts least recently used past its budget', async () => {
    const cache = new ValueCache(10)
    let loads = 0
    const load = (n: number) => async () => {
      loads++
      return new Uint8Array(n)
    }
    const [a, b] = await Promise.all([cache.get('a', load(4)), cache.get('a', load(4))])
    expect(a).toBe(b)
    expect(loads).toBe(1)
    await cache.get('b', load(4))
    cache.get('a', load(4)) // touch: a is now most recent
    await cache.get('c', load(4)) // evicts b
    expect(cache.bytes).toBe(8)
    await cache.get('b', load(4))
    expect(loads).toBe(4)
    await cache.get('huge', load(100)) // bigger than the budget: not kept
    expect(cache.bytes).toBeLessThanOrEqual(10)
    cache.clear()
    expect(cache.bytes).toBe(0)
  })

  test('a failed load is not cached', async () => {
    const cache = new ValueCache(10)
    await expect(cache.get('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await cache.get('a', async () => new Uint8Array(1))).toHaveLength(1)
  })

  test('abortable gives up on abort without cancelling the shared promise', async () => {
    const controller = new AbortController()
    let resolve!: (v: number) => void
    const shared = new Promise<number>((r) => {
      resolve = r
    })
    const waiting = abortable(shared, controller.signal)
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
    resolve(3)
    expect(await shared).toBe(3)
    expect(await abortable(5, undefined)).toBe(5)
    expect(await abortable(Promise.resolve(6), new AbortController().signal)).toBe(6)
    await expect(abortable(Promise.reject(new Error('x')), new AbortController().signal)).rejects.toThrow('x')
  })
})

const utf8decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)

describe('MetadataCache', () => {
  test('caches JSON objects, refuses other bytes with the hint, and drops a read that raced a write', async () => {
    const cache = new MetadataCache('try the other store')
    const value = utf8.encode(' {"zarr_format":3}')
    expect(await cache.read('zarr.json', async () => value)).toEqual(value)
    expect(cache.has('zarr.json')).toBe(true)
    expect(await cache.read('zarr.json', async () => undefined)).toEqual(value)
    await expect(cache.read('x/zarr.json', async () => new Uint8Array([1, 2]))).rejects.toThrow(
      /x\/zarr.json.*try the other store/,
    )
    await expect(new MetadataCache().read('k', async () => new Uint8Array([]))).rejects.toThrow(ZarrMetadataError)
    expect(await cache.read('none', async () => undefined)).toBeUndefined()

    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const racing = cache.read('a/zarr.json', async () => {
      await gate
      return utf8.encode('{"old":1}')
    })
    cache.beginWrite('a/zarr.json')
    cache.endWrite('a/zarr.json', undefined)
    release()
    await racing
    expect(cache.has('a/zarr.json')).toBe(false)
    cache.endWrite('a/zarr.json', utf8.encode('{}'))
    expect(cache.has('a/zarr.json')).toBe(true)
    cache.clear()
    expect(cache.has('a/zarr.json')).toBe(false)
  })

  test('readers of a key share one load, unless a write came between them', async () => {
    const cache = new MetadataCache()
    let loads = 0
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const load = async () => {
      const n = ++loads
      await gate
      return utf8.encode(`{"load":${n}}`)
    }
    const first = cache.read('zarr.json', load)
    const second = cache.read('zarr.json', load)
    cache.beginWrite('zarr.json')
    const afterWrite = cache.read('zarr.json', load)
    release()
    const [a, b, c] = await Promise.all([first, second, afterWrite])
    expect(loads).toBe(2)
    expect(utf8decode(a)).toBe('{"load":1}')
    expect(utf8decode(b)).toBe('{"load":1}')
    expect(b).not.toBe(a) // each reader its own copy
    expect(utf8decode(c)).toBe('{"load":2}')
    expect(await cache.read('absent', async () => undefined)).toBeUndefined()
  })
})

describe('toByteRange', () => {
  test('maps zarrita ranges and rejects others', () => {
    expect(toByteRange({ offset: 1, length: 2 })).toEqual({ offset: 1, length: 2 })
    expect(toByteRange({ suffixLength: 3 })).toEqual({ suffix: 3 })
    expect(() => toByteRange(null as never)).toThrow(InvalidRangeError)
  })
})

describe('writeConsolidatedMetadata', () => {
  function mapStore(entries: Record<string, unknown>) {
    const map = new Map<string, Uint8Array>(
      Object.entries(entries).map(([k, v]) => [k, utf8.encode(typeof v === 'string' ? v : JSON.stringify(v))]),
    )
    return {
      map,
      get: async (key: string) => map.get(key.replace(/^\//, '')),
      set: async (key: string, value: Uint8Array) => {
        map.set(key.replace(/^\//, ''), value)
      },
      async *list() {
        yield* [...map.keys()].sort()
      },
    }
  }

  test('inlines every node into the root group', async () => {
    const store = mapStore({
      'zarr.json': { zarr_format: 3, node_type: 'group' },
      'g/zarr.json': { zarr_format: 3, node_type: 'group', consolidated_metadata: { metadata: {} } },
      'g/t/zarr.json': { zarr_format: 3, node_type: 'array', shape: [1] },
      'g/t/c/0': 'x',
    })
    const written = await writeConsolidatedMetadata(store)
    expect(Object.keys(written.consolidated_metadata.metadata).sort()).toEqual(['g', 'g/t'])
    expect(written.consolidated_metadata.metadata.g).not.toHaveProperty('consolidated_metadata')
  })

  test('refuses a missing root, an array root and bad JSON', async () => {
    await expect(writeConsolidatedMetadata(mapStore({}))).rejects.toThrow(/no root zarr.json/)
    await expect(
      writeConsolidatedMetadata(mapStore({ 'zarr.json': { zarr_format: 3, node_type: 'array' } })),
    ).rejects.toThrow(/only a group/)
    await expect(writeConsolidatedMetadata(mapStore({ 'zarr.json': '{nope' }))).rejects.toThrow(ZarrMetadataError)
    await expect(writeConsolidatedMetadata(mapStore({ 'zarr.json': { zarr_format: 2 } }))).rejects.toThrow(
      /not Zarr v3/,
    )
  })
})
