import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT, InvalidOptionError, InvalidRangeError } from '@hamt/core'
import { ZarrHAMTStore, ZarrMetadataError } from '@hamt/zarr'
import { describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { DecryptionError, decrypt, SimpleEncryptedZarrHAMTStore } from '../src/index.js'
import { collect, HEADER, KEY, readOnlyHamt, utf8, writableEncrypted } from './helpers.js'

const COMPRESSED = [
  { name: 'bytes', configuration: { endian: 'little' } },
  { name: 'zstd', configuration: { level: 3, checksum: false } },
]
const BLOSC = [
  { name: 'bytes', configuration: { endian: 'little' } },
  { name: 'blosc', configuration: { cname: 'zstd', clevel: 3, shuffle: 'shuffle', typesize: 8, blocksize: 0 } },
]

async function writeDataset() {
  const env = await writableEncrypted()
  const { store } = env
  await zarr.create(store, { attributes: { title: 'secret' } })
  const temp = await zarr.create(zarr.root(store).resolve('temp'), {
    shape: [4, 5, 6],
    chunkShape: [2, 3, 4],
    dtype: 'float32',
    codecs: COMPRESSED,
    fillValue: Number.NaN,
    dimensionNames: ['time', 'latitude', 'longitude'],
    attributes: { units: 'K' },
  })
  const data = Float32Array.from({ length: 120 }, (_, i) => 250 + i / 4)
  await zarr.set(temp, null, { data, shape: [4, 5, 6], stride: [30, 6, 1] })
  await zarr.set(temp, [1, zarr.slice(1, 4), zarr.slice(2, 5)], -1)
  const time = await zarr.create(zarr.root(store).resolve('time'), {
    shape: [4],
    chunkShape: [4],
    dtype: 'float64',
    codecs: BLOSC,
    dimensionNames: ['time'],
  })
  await zarr.set(time, null, { data: Float64Array.of(0, 1, 2, 3), shape: [4], stride: [1] })
  const expected = (await zarr.get(temp)).data as Float32Array
  return { ...env, expected }
}

describe('SimpleEncryptedZarrHAMTStore', () => {
  test('a zarrita dataset round trips, reopened read-only from the root CID', async () => {
    const { cas, store, expected } = await writeDataset()
    expect(expected[30 + 6 + 2]).toBe(-1)
    const root = await store.commit()
    const ro = new SimpleEncryptedZarrHAMTStore(await readOnlyHamt(cas, root), { encryptionKey: KEY, header: HEADER })
    expect((await zarr.open(ro, { kind: 'group' })).attrs).toEqual({ title: 'secret' })
    const temp = await zarr.open(zarr.root(ro).resolve('temp'), { kind: 'array' })
    expect(temp.attrs).toEqual({ units: 'K' })
    expect(Array.from((await zarr.get(temp)).data as Float32Array)).toEqual(Array.from(expected))
    const time = await zarr.open(zarr.root(ro).resolve('time'), { kind: 'array' })
    expect(Array.from((await zarr.get(time)).data as Float64Array)).toEqual([0, 1, 2, 3])
    // Listing is of keys, which stay readable, as py-hamt leaves them.
    expect(await collect(ro.listDir('temp'))).toEqual(['c', 'zarr.json'])
  })

  test('every value, metadata included, is stored as nonce(24) ‖ tag(16) ‖ ciphertext under a fresh nonce', async () => {
    const { hamt, store } = await writableEncrypted()
    const meta = utf8.encode('{"zarr_format":3,"node_type":"group","attributes":{}}')
    await store.set('/zarr.json', meta)
    const first = (await hamt.get('zarr.json')) as Uint8Array
    expect(first.length).toBe(meta.length + 40)
    expect(decrypt(KEY, utf8.encode(HEADER), first)).toEqual(meta)
    await store.set('/zarr.json', meta)
    const second = (await hamt.get('zarr.json')) as Uint8Array
    expect(second.subarray(0, 24)).not.toEqual(first.subarray(0, 24))
    expect(decrypt(KEY, utf8.encode(HEADER), second)).toEqual(meta)
    expect(await store.get('/zarr.json')).toEqual(meta)
  })

  test('a key that is not 32 bytes is rejected at construction', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS(), valuesAreBytes: true })
    for (const encryptionKey of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      expect(() => new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey, header: HEADER })).toThrow(
        InvalidOptionError,
      )
    }
    expect(
      () => new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey: 'k'.repeat(32) as never, header: HEADER }),
    ).toThrow(/32 bytes/)
    expect(() => new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey: KEY, header: 5 as never })).toThrow(/header/)
    const notBytes = await HAMT.build({ cas: new InMemoryCAS() })
    expect(() => new SimpleEncryptedZarrHAMTStore(notBytes, { encryptionKey: KEY, header: HEADER })).toThrow(
      /valuesAreBytes/,
    )
  })

  test('a wrong key or header fails with a DecryptionError naming the Zarr key', async () => {
    const { cas, store } = await writeDataset()
    const root = await store.commit()
    const wrongKey = KEY.slice()
    wrongKey[31] = (wrongKey[31] as number) ^ 1
    for (const options of [
      { encryptionKey: wrongKey, header: HEADER },
      { encryptionKey: KEY, header: `${HEADER}!` },
    ]) {
      const bad = new SimpleEncryptedZarrHAMTStore(await readOnlyHamt(cas, root), options)
      const error = await bad.get('/temp/zarr.json').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DecryptionError)
      expect(error).toMatchObject({ code: 'ERR_DECRYPTION', key: 'temp/zarr.json' })
      await expect(bad.get('/temp/c/0/0/0')).rejects.toThrow(/Cannot decrypt the value of "temp\/c\/0\/0\/0"/)
      await expect(zarr.open(bad)).rejects.toThrow(DecryptionError)
    }
  })

  test('altered bytes fail with a DecryptionError, never garbage', async () => {
    const { hamt, store } = await writableEncrypted()
    await store.set('/v/c/0', Uint8Array.of(1, 2, 3, 4))
    const stored = (await hamt.get('v/c/0')) as Uint8Array
    const altered = stored.slice()
    altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 1
    await hamt.set('v/c/0', altered)
    await expect(store.get('/v/c/0')).rejects.toMatchObject({ name: 'DecryptionError', key: 'v/c/0' })
    await expect(store.getRange('/v/c/0', { offset: 0, length: 1 })).rejects.toThrow(DecryptionError)
  })

  test('reading an encrypted dataset with the plain store fails clearly', async () => {
    const { cas, store } = await writeDataset()
    const root = await store.commit()
    const plain = new ZarrHAMTStore(await readOnlyHamt(cas, root))
    await expect(plain.get('/zarr.json')).rejects.toThrow(ZarrMetadataError)
    await expect(zarr.open(plain, { kind: 'group' })).rejects.toThrow(
      /is the dataset encrypted\? open it with SimpleEncryptedZarrHAMTStore/,
    )
    await expect(zarr.open(zarr.root(plain).resolve('temp'), { kind: 'array' })).rejects.toThrow(ZarrMetadataError)
  })

  test('ranges decrypt, then slice', async () => {
    const { cas, store } = await writableEncrypted()
    const value = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    await store.set('/v/c/0', value)
    for (const s of [
      store,
      new SimpleEncryptedZarrHAMTStore(await readOnlyHamt(cas, await store.commit({ keepWritable: true })), {
        encryptionKey: KEY,
        header: HEADER,
      }),
    ]) {
      expect(await s.getRange('/v/c/0', { offset: 10, length: 5 })).toEqual(value.subarray(10, 15))
      expect(await s.getRange('/v/c/0', { suffixLength: 20 })).toEqual(value.subarray(280))
      expect(await s.getRange('/v/c/0', { suffixLength: 1000 })).toEqual(value)
      await expect(s.getRange('/v/c/0', { offset: 301, length: 1 })).rejects.toThrow(InvalidRangeError)
      expect(await s.getRange('/missing', { offset: 0, length: 1 })).toBeUndefined()
    }
  })

  test('sharded arrays read through the encrypted store', async () => {
    const { cas, store } = await writableEncrypted()
    const data = Int32Array.from({ length: 16 }, (_, i) => 1000 - i * 3)
    await store.set('/s/zarr.json', utf8.encode(JSON.stringify(shardedMeta())))
    await store.set('/s/c/0/0', shard(data))
    const ro = new SimpleEncryptedZarrHAMTStore(await readOnlyHamt(cas, await store.commit()), {
      encryptionKey: KEY,
      header: HEADER,
    })
    const arr = await zarr.open(zarr.root(ro).resolve('s'), { kind: 'array' })
    expect(Array.from((await zarr.get(arr)).data as Int32Array)).toEqual(Array.from(data))
  })
})

function shardedMeta() {
  return {
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
          index_codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
          index_location: 'end',
        },
      },
    ],
    attributes: {},
  }
}

/** A 4x4 int32 shard of four 2x2 inner chunks followed by its (offset, length) index. */
function shard(data: Int32Array): Uint8Array {
  const out = new Uint8Array(64 + 64)
  const view = new DataView(out.buffer)
  let at = 0
  ;[
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ].forEach(([r, c], n) => {
    view.setBigUint64(64 + n * 16, BigInt(at), true)
    view.setBigUint64(64 + n * 16 + 8, 16n, true)
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        view.setInt32(at, data[((r as number) * 2 + i) * 4 + (c as number) * 2 + j] as number, true)
        at += 4
      }
    }
  })
  return out
}
