import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT, InvalidOptionError, InvalidRangeError, ReadOnlyError } from '@hamt/core'
import { describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { ZarrHAMTStore, ZarrMetadataError } from '../src/index.js'
import { DAG_PB, FakeRecordingCAS } from './fake-cas.js'
import { collect, readOnlyStore, utf8, writableStore } from './helpers.js'

const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

describe('keys and values as py-hamt stores them', () => {
  test('zarrita keys are stored without their leading slash, values as raw bytes', async () => {
    const { hamt, store } = await writableStore()
    await store.set('/temp/c/0/0/0', bytes(10))
    expect(await hamt.get('temp/c/0/0/0')).toEqual(bytes(10))
    expect(await hamt.has('/temp/c/0/0/0')).toBe(false)
    expect(await store.get('/temp/c/0/0/0')).toEqual(bytes(10))
    expect(await store.get('temp/c/0/0/0')).toEqual(bytes(10))
    // A value py-hamt wrote under its own key form reads through zarrita's form.
    await hamt.set('temp/zarr.json', utf8.encode('{"zarr_format":3}'))
    expect(await store.get('/temp/zarr.json')).toEqual(utf8.encode('{"zarr_format":3}'))
  })

  test('a missing key gives undefined; has and delete', async () => {
    const { store } = await writableStore()
    expect(await store.get('/nope')).toBeUndefined()
    expect(await store.getRange('/nope', { offset: 0, length: 1 })).toBeUndefined()
    expect(await store.has('/nope')).toBe(false)
    expect(await store.delete('/nope')).toBe(false)
    await store.set('/a/c/0', bytes(3))
    expect(await store.has('/a/c/0')).toBe(true)
    expect(await store.delete('/a/c/0')).toBe(true)
    expect(await store.has('/a/c/0')).toBe(false)
    expect(await store.get('/a/c/0')).toBeUndefined()
  })

  test('a HAMT without valuesAreBytes is rejected with a clear error', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS() })
    expect(() => new ZarrHAMTStore(hamt)).toThrow(InvalidOptionError)
    expect(() => new ZarrHAMTStore(hamt)).toThrow(/valuesAreBytes: true/)
  })

  test('bad options are rejected', async () => {
    const { hamt } = await writableStore()
    expect(() => new ZarrHAMTStore(hamt, { concurrency: 0 })).toThrow(/concurrency/)
    expect(() => new ZarrHAMTStore(hamt, { rangeCacheMaxBytes: -1 })).toThrow(/rangeCacheMaxBytes/)
  })

  test('a value that is not bytes is refused', async () => {
    const { store } = await writableStore()
    await expect(store.set('/k', 'text' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'ERR_INVALID_VALUE' })
  })
})

describe('read-only', () => {
  test('writing to a read-only store is a clear error and changes nothing', async () => {
    const { cas, store } = await writableStore()
    await store.set('/zarr.json', utf8.encode('{"zarr_format":3,"node_type":"group","attributes":{}}'))
    const root = await store.commit()
    expect(store.readOnly).toBe(true)
    const ro = await readOnlyStore(cas, root)
    await expect(ro.set('/x', bytes(1))).rejects.toThrow(ReadOnlyError)
    await expect(ro.set('/x', bytes(1))).rejects.toThrow(/Cannot set "x": the HAMT is read-only/)
    await expect(ro.delete('/zarr.json')).rejects.toThrow(ReadOnlyError)
    await expect(
      zarr.create(zarr.root(ro).resolve('a'), { shape: [1], chunkShape: [1], dtype: 'int8' }),
    ).rejects.toThrow(ReadOnlyError)
    expect(ro.hamt.rootNodeId.equals(root)).toBe(true)
    expect(await collect(ro.list())).toEqual(['zarr.json'])
  })

  test('commit keeps the store writable on request and returns the root CID', async () => {
    const { cas, store } = await writableStore()
    await store.set('/a', bytes(2))
    const first = await store.commit({ keepWritable: true })
    expect(store.readOnly).toBe(false)
    await store.set('/b', bytes(3))
    const second = await store.commit()
    expect(second.equals(first)).toBe(false)
    expect(await collect((await readOnlyStore(cas, first)).list())).toEqual(['a'])
    expect(await collect((await readOnlyStore(cas, second)).list())).toEqual(['a', 'b'])
  })
})

describe('listing', () => {
  const KEYS = [
    'zarr.json',
    'temp/zarr.json',
    'temp/c/0/0',
    'temp/c/0/1',
    'temp/c/1/0',
    'time/zarr.json',
    'time/c/0',
    'a/b',
    'a/b-x',
    'a/b/c',
  ]

  async function filled() {
    const env = await writableStore()
    for (const key of KEYS) await env.store.set(`/${key}`, utf8.encode(key.endsWith('zarr.json') ? '{}' : key))
    return env
  }

  test.each([false, true])('list, listPrefix and listDir agree with hamt.keys() (read-only: %s)', async (readOnly) => {
    const env = await filled()
    const store = readOnly ? await readOnlyStore(env.cas, await env.store.commit()) : env.store
    const all = await collect(store.hamt.keys())
    expect(all.sort()).toEqual([...KEYS].sort())
    expect(await collect(store.list())).toEqual(all)
    expect(await collect(store.listPrefix('temp/'))).toEqual(all.filter((k) => k.startsWith('temp/')))
    expect(await collect(store.listPrefix('/temp/c/0'))).toEqual(['temp/c/0/0', 'temp/c/0/1'])
    expect(await collect(store.listPrefix('nothing'))).toEqual([])
    expect(await collect(store.listDir(''))).toEqual(['a', 'temp', 'time', 'zarr.json'])
    expect(await collect(store.listDir('/'))).toEqual(['a', 'temp', 'time', 'zarr.json'])
    expect(await collect(store.listDir('temp'))).toEqual(['c', 'zarr.json'])
    expect(await collect(store.listDir('/temp/c/'))).toEqual(['0', '1'])
    // 'b' is both a key and a directory: named once.
    expect(await collect(store.listDir('a/'))).toEqual(['b', 'b-x'])
  })

  test('a writable store lists what was just written and deleted', async () => {
    const { store } = await filled()
    await store.delete('/temp/c/1/0')
    await store.set('/temp/c/2/0', bytes(1))
    expect(await collect(store.listDir('temp/c'))).toEqual(['0', '2'])
  })

  test('a read-only store does not walk the HAMT again for each listing', async () => {
    const { store } = await filled()
    const root = await store.commit()
    const cas = new FakeRecordingCAS({ over: store.hamt.cas })
    const ro = new ZarrHAMTStore(await HAMT.build({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }))
    expect(await collect(ro.list())).toHaveLength(KEYS.length)
    const afterFirst = cas.loads.length
    expect(afterFirst).toBeGreaterThan(0)
    await ro.hamt.cacheVacate()
    await collect(ro.list())
    await collect(ro.listPrefix('temp/'))
    await collect(ro.listDir('temp/'))
    expect(cas.loads.length).toBe(afterFirst)
  })
})

describe('metadata cache', () => {
  test('zarr.json is read from the HAMT once', async () => {
    const { store } = await writableStore()
    const group = utf8.encode('{"zarr_format":3,"node_type":"group","attributes":{}}')
    await store.set('/zarr.json', group)
    const root = await store.commit()
    const cas = new FakeRecordingCAS({ over: store.hamt.cas })
    const ro = new ZarrHAMTStore(await HAMT.build({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }))
    for (let i = 0; i < 5; i++) expect(await ro.get('/zarr.json')).toEqual(group)
    const valueLoads = cas.loads.filter((l) => l.cid.code === 0x55)
    expect(valueLoads).toHaveLength(1)
  })

  test('the cache follows set and delete', async () => {
    const { store } = await writableStore()
    const v1 = utf8.encode('{"zarr_format":3,"node_type":"group","attributes":{"v":1}}')
    const v2 = utf8.encode('{"zarr_format":3,"node_type":"group","attributes":{"v":2}}')
    await store.set('/g/zarr.json', v1)
    expect(await store.get('/g/zarr.json')).toEqual(v1)
    await store.set('/g/zarr.json', v2)
    expect(await store.get('/g/zarr.json')).toEqual(v2)
    expect((await zarr.open(zarr.root(store).resolve('g'), { kind: 'group' })).attrs).toEqual({ v: 2 })
    expect(await store.delete('/g/zarr.json')).toBe(true)
    expect(await store.get('/g/zarr.json')).toBeUndefined()
    expect(await store.has('/g/zarr.json')).toBe(false)
  })

  test('a read racing a write does not leave the old value cached', async () => {
    const { store } = await writableStore()
    const v1 = utf8.encode('{"v":1}')
    const v2 = utf8.encode('{"v":2}')
    await store.set('/zarr.json', v1)
    const [read] = await Promise.all([store.get('/zarr.json'), store.set('/zarr.json', v2)])
    expect([v1, v2]).toContainEqual(read)
    expect(await store.get('/zarr.json')).toEqual(v2)
  })

  test('a cached value handed out cannot be altered by the caller', async () => {
    const { store } = await writableStore()
    await store.set('/zarr.json', utf8.encode('{"v":1}'))
    const got = (await store.get('/zarr.json')) as Uint8Array
    got.fill(0)
    expect(await store.get('/zarr.json')).toEqual(utf8.encode('{"v":1}'))
  })

  test('metadata that is not JSON fails clearly', async () => {
    const { hamt, store } = await writableStore()
    // As an encrypted dataset holds it: the bytes under zarr.json are ciphertext.
    await hamt.set('zarr.json', bytes(64))
    await expect(store.get('/zarr.json')).rejects.toThrow(ZarrMetadataError)
    await expect(zarr.open(store)).rejects.toThrow(/is the dataset encrypted\?/)
  })
})

describe('ranges', () => {
  test('offset/length, suffix, suffix longer than the value, past the end', async () => {
    const { cas, store } = await writableStore()
    const value = bytes(100)
    await store.set('/v/c/0', value)
    for (const s of [store, await readOnlyStore(cas, await store.commit({ keepWritable: true }))]) {
      expect(await s.getRange('/v/c/0', { offset: 10, length: 5 })).toEqual(value.subarray(10, 15))
      expect(await s.getRange('/v/c/0', { offset: 95, length: 50 })).toEqual(value.subarray(95))
      expect(await s.getRange('/v/c/0', { offset: 100, length: 5 })).toEqual(new Uint8Array(0))
      expect(await s.getRange('/v/c/0', { suffixLength: 7 })).toEqual(value.subarray(93))
      expect(await s.getRange('/v/c/0', { suffixLength: 500 })).toEqual(value)
      await expect(s.getRange('/v/c/0', { offset: 101, length: 1 })).rejects.toThrow(InvalidRangeError)
      await expect(s.getRange('/v/c/0', { offset: -1, length: 1 })).rejects.toThrow(
        /offset must be a non-negative integer/,
      )
      await expect(s.getRange('/v/c/0', {} as never)).rejects.toThrow(InvalidRangeError)
    }
  })

  test('a value in one block is loaded once for any number of ranges', async () => {
    const cas = new FakeRecordingCAS()
    const hamt = await HAMT.build({ cas, valuesAreBytes: true })
    const store = new ZarrHAMTStore(hamt)
    await store.set('/v/c/0', bytes(4096))
    const pointer = await hamt.getPointer('v/c/0')
    const ranges = await Promise.all(
      Array.from({ length: 16 }, (_, i) => store.getRange('/v/c/0', { offset: i * 256, length: 256 })),
    )
    expect(ranges).toEqual(Array.from({ length: 16 }, (_, i) => bytes(4096).subarray(i * 256, (i + 1) * 256)))
    expect(cas.loads.filter((l) => pointer?.equals(l.cid))).toEqual([{ cid: pointer, range: undefined }])
  })

  test('a value Kubo split into blocks (dag-pb) passes the range down to the store', async () => {
    const cas = new FakeRecordingCAS({ dagPbAbove: 1024 })
    const store = new ZarrHAMTStore(await HAMT.build({ cas, valuesAreBytes: true }))
    const value = bytes(5000)
    await store.set('/big/c/0', value)
    const pointer = await store.hamt.getPointer('big/c/0')
    expect(pointer?.code).toBe(DAG_PB)
    expect(await store.getRange('/big/c/0', { offset: 1000, length: 20 })).toEqual(value.subarray(1000, 1020))
    expect(await store.getRange('/big/c/0', { suffixLength: 16 })).toEqual(value.subarray(4984))
    expect(cas.loads.filter((l) => pointer?.equals(l.cid)).map((l) => l.range)).toEqual([
      { offset: 1000, length: 20 },
      { suffix: 16 },
    ])
  })

  test('sharded arrays (sharding_indexed) read correctly', async () => {
    const { cas, store } = await writableStore()
    // A 4x4 int32 array in one 4x4 shard of four 2x2 inner chunks, laid out as zarr-python writes it.
    const data = Int32Array.from({ length: 16 }, (_, i) => i * 10 - 7)
    await store.set(
      '/s/zarr.json',
      utf8.encode(
        JSON.stringify({
          zarr_format: 3,
          node_type: 'array',
          shape: [4, 4],
          data_type: 'int32',
          chunk_grid: { name: 'regular', configuration: { chunk_shape: [4, 4] } },
          chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
          fill_value: 0,
          codecs: [
            {
              name: 'sharding_indexed',
              configuration: {
                chunk_shape: [2, 2],
                codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
                index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }],
                index_location: 'end',
              },
            },
          ],
          attributes: {},
        }),
      ),
    )
    await store.set('/s/c/0/0', shard(data))
    const root = await store.commit()
    for (const s of [await readOnlyStore(cas, root), await readOnlyStore(cas, root, { rangeCacheMaxBytes: 0 })]) {
      const arr = await zarr.open(zarr.root(s).resolve('s'), { kind: 'array' })
      expect(Array.from((await zarr.get(arr)).data as Int32Array)).toEqual(Array.from(data))
      expect(Array.from((await zarr.get(arr, [zarr.slice(1, 3), 3])).data as Int32Array)).toEqual([data[7], data[11]])
    }
  })
})

describe('concurrency', () => {
  test('every chunk fired at once stays bounded and correct', async () => {
    const cas = new FakeRecordingCAS({ delayMs: 2 })
    const store = new ZarrHAMTStore(await HAMT.build({ cas, valuesAreBytes: true }), { concurrency: 4 })
    const arr = await zarr.create(zarr.root(store).resolve('x'), {
      shape: [64, 8],
      chunkShape: [1, 8],
      dtype: 'float64',
    })
    const data = Float64Array.from({ length: 512 }, (_, i) => i / 3)
    cas.maxInFlight = 0
    await zarr.set(arr, null, { data, shape: [64, 8], stride: [8, 1] })
    expect(cas.maxInFlight).toBeGreaterThan(1)
    expect(cas.maxInFlight).toBeLessThanOrEqual(4)
    // Reads and writes mixed: rewrite half the rows while reading everything.
    const [read] = await Promise.all([zarr.get(arr), zarr.set(arr, [zarr.slice(0, 32), null], 0)])
    expect(read.data.length).toBe(512)
    expect(cas.maxInFlight).toBeLessThanOrEqual(4)
    const root = await store.commit()
    const ro = new ZarrHAMTStore(await HAMT.build({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }), {
      concurrency: 4,
    })
    cas.maxInFlight = 0
    const final = await zarr.get(await zarr.open(zarr.root(ro).resolve('x'), { kind: 'array' }))
    expect(Array.from(final.data as Float64Array)).toEqual(Array.from(data, (v, i) => (i < 256 ? 0 : v)))
    expect(cas.maxInFlight).toBeLessThanOrEqual(4)
  })

  test('an aborted get rejects with the signal reason', async () => {
    const { store } = await writableStore()
    await store.set('/a', bytes(4))
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(store.get('/a', { signal: controller.signal })).rejects.toThrow('stop')
    await expect(store.getRange('/a', { suffixLength: 1 }, { signal: controller.signal })).rejects.toThrow('stop')
  })
})

/** One shard: the inner chunks in order, then the (offset, length) index and its CRC32C. */
function shard(data: Int32Array): Uint8Array {
  const inner: Uint8Array[] = []
  for (const [r, c] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ] as const) {
    const chunk = new Int32Array(4)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) chunk[i * 2 + j] = data[(r * 2 + i) * 4 + c * 2 + j] as number
    inner.push(new Uint8Array(chunk.buffer))
  }
  const index = new BigUint64Array(8)
  let offset = 0
  inner.forEach((chunk, i) => {
    index[i * 2] = BigInt(offset)
    index[i * 2 + 1] = BigInt(chunk.length)
    offset += chunk.length
  })
  const indexBytes = new Uint8Array(index.buffer)
  const out = new Uint8Array(offset + indexBytes.length + 4)
  let at = 0
  for (const chunk of inner) {
    out.set(chunk, at)
    at += chunk.length
  }
  out.set(indexBytes, at)
  new DataView(out.buffer).setUint32(at + indexBytes.length, crc32c(indexBytes), true)
  return out
}

function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}
