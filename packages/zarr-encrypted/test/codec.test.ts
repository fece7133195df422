import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT, InvalidOptionError } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { afterEach, describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import {
  DecryptionError,
  decrypt,
  registerXChaCha20Poly1305Codec,
  XChaCha20Poly1305Codec,
  xchacha20poly1305Codec,
} from '../src/index.js'
import { b64, hex, KEY, utf8 } from './helpers.js'
import vectors from './pyhamt-encryption-public.json' with { type: 'json' }

const HEADER = 'dClimate-Zarr'

async function writeEncryptedChunks() {
  const cas = new InMemoryCAS()
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  const store = new ZarrHAMTStore(hamt)
  const arr = await zarr.create(zarr.root(store).resolve('precip'), {
    shape: [6, 10],
    chunkShape: [3, 5],
    dtype: 'float64',
    fillValue: -9999,
    codecs: [
      { name: 'bytes', configuration: { endian: 'little' } },
      { name: 'zstd', configuration: { level: 3, checksum: false } },
      xchacha20poly1305Codec(HEADER),
    ],
    attributes: { units: 'mm' },
  })
  const data = Float64Array.from({ length: 60 }, (_, i) => i * 0.25)
  await zarr.set(arr, null, { data, shape: [6, 10], stride: [10, 1] })
  await zarr.set(arr, [zarr.slice(2, 4), 7], 42)
  const expected = (await zarr.get(arr)).data as Float64Array
  return { cas, hamt, root: await store.commit(), expected }
}

afterEach(() => registerXChaCha20Poly1305Codec(KEY))

describe('the xchacha20poly1305 zarrita codec', () => {
  test('chunks round trip encrypted while metadata stays readable', async () => {
    registerXChaCha20Poly1305Codec(KEY)
    const { cas, root, expected } = await writeEncryptedChunks()
    expect(expected[2 * 10 + 7]).toBe(42)
    const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
    const store = new ZarrHAMTStore(hamt)
    const meta = JSON.parse(new TextDecoder().decode(await store.get('/precip/zarr.json')))
    expect(meta.codecs.at(-1)).toEqual({ name: 'xchacha20poly1305', configuration: { header: HEADER } })
    expect(meta.attributes).toEqual({ units: 'mm' })
    // A stored chunk is nonce ‖ tag ‖ ciphertext of the zstd frame, with the header as associated data.
    const stored = (await hamt.get('precip/c/0/0')) as Uint8Array
    const frame = decrypt(KEY, utf8.encode(HEADER), stored)
    expect(Array.from(frame.subarray(0, 4))).toEqual([0x28, 0xb5, 0x2f, 0xfd])
    const arr = await zarr.open(zarr.root(store).resolve('precip'), { kind: 'array' })
    expect(Array.from((await zarr.get(arr)).data as Float64Array)).toEqual(Array.from(expected))
  })

  test('a wrong key fails with a DecryptionError, never garbage', async () => {
    registerXChaCha20Poly1305Codec(KEY)
    const { cas, root } = await writeEncryptedChunks()
    const wrong = KEY.slice()
    wrong[0] = (wrong[0] as number) ^ 0xff
    registerXChaCha20Poly1305Codec(wrong)
    const store = new ZarrHAMTStore(await HAMT.build({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }))
    const arr = await zarr.open(zarr.root(store).resolve('precip'), { kind: 'array' })
    const error = await zarr.get(arr).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(zarr.CodecPipelineError)
    expect((error as Error).cause).toBeInstanceOf(DecryptionError)
  })

  test('a key provider picks the key from the configuration', async () => {
    const seen: string[] = []
    registerXChaCha20Poly1305Codec((config) => {
      seen.push(config.header)
      return KEY
    })
    const { expected } = await writeEncryptedChunks()
    expect(expected.length).toBe(60)
    expect(seen).toContain(HEADER)
  })

  test('the codec decrypts py-hamt vectors with a text header', async () => {
    const v = vectors.vectors.find((x) => x.headerUtf8 === 'dClimate')
    expect(v).toBeDefined()
    if (v === undefined) return
    const codec = new XChaCha20Poly1305Codec(hex(v.keyHex), { header: v.headerUtf8 })
    expect(await codec.decode(b64(v.outputB64))).toEqual(b64(v.plaintextB64))
    const again = await codec.encode(b64(v.plaintextB64))
    expect(again.length).toBe(codec.computeEncodedSize(v.plaintextLength))
    expect(await codec.decode(again)).toEqual(b64(v.plaintextB64))
  })

  test('bad keys and configurations are rejected', () => {
    expect(() => registerXChaCha20Poly1305Codec(new Uint8Array(16))).toThrow(InvalidOptionError)
    expect(() => new XChaCha20Poly1305Codec(KEY, {} as never)).toThrow()
    expect(() => xchacha20poly1305Codec(5 as never)).toThrow(/configuration \{ header: string \}/)
  })
})
