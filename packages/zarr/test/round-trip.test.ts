import { describe, expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { collect, random, readOnlyStore, writableStore } from './helpers.js'

type Dtype =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool'

const CTORS = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const

function fill(dtype: Dtype, size: number, seed: number): zarr.TypedArray<Dtype> {
  const next = random(seed)
  if (dtype === 'int64') return BigInt64Array.from({ length: size }, () => BigInt(Math.floor((next() - 0.5) * 2 ** 52)))
  if (dtype === 'uint64') return BigUint64Array.from({ length: size }, () => BigInt(Math.floor(next() * 2 ** 53)))
  if (dtype === 'bool') {
    const data = new zarr.BoolArray(size)
    for (let i = 0; i < size; i++) data.set(i, next() < 0.5)
    return data as zarr.TypedArray<Dtype>
  }
  const values = Array.from({ length: size }, () =>
    dtype.startsWith('float') ? (next() - 0.5) * 1e4 : Math.floor(next() * 120),
  )
  return new CTORS[dtype](values) as zarr.TypedArray<Dtype>
}

function stridesOf(shape: number[]): number[] {
  const stride = new Array<number>(shape.length).fill(1)
  for (let i = shape.length - 2; i >= 0; i--) stride[i] = (stride[i + 1] as number) * (shape[i + 1] as number)
  return stride
}

function plain(data: zarr.TypedArray<Dtype> | zarr.TypedArray<zarr.DataType>): unknown[] {
  if (data instanceof zarr.BoolArray) return Array.from({ length: data.length }, (_, i) => data.get(i))
  return Array.from(data as ArrayLike<unknown>)
}

const COMPRESSORS = {
  none: [] as zarr.CodecMetadata[],
  zstd: [{ name: 'zstd', configuration: { level: 3, checksum: false } }],
  blosc: [{ name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: 4, blocksize: 0 } }],
}

interface Case {
  dtype: Dtype
  shape: number[]
  chunks: number[]
  compressor: keyof typeof COMPRESSORS
  // zarrita cannot write a bigint fill value to JSON: 64-bit ones are given as numbers.
  fillValue: number | boolean
}

const CASES: Case[] = [
  { dtype: 'float32', shape: [37], chunks: [8], compressor: 'zstd', fillValue: Number.NaN },
  { dtype: 'float64', shape: [9, 13], chunks: [4, 5], compressor: 'blosc', fillValue: -9999.5 },
  { dtype: 'int16', shape: [5, 6, 7], chunks: [2, 3, 4], compressor: 'zstd', fillValue: -1 },
  { dtype: 'uint8', shape: [3, 4, 5, 6], chunks: [2, 2, 3, 4], compressor: 'blosc', fillValue: 7 },
  { dtype: 'int32', shape: [10, 10], chunks: [10, 3], compressor: 'none', fillValue: 0 },
  { dtype: 'uint32', shape: [17], chunks: [5], compressor: 'blosc', fillValue: 42 },
  { dtype: 'int8', shape: [6, 6], chunks: [4, 4], compressor: 'zstd', fillValue: -3 },
  { dtype: 'uint16', shape: [2, 3, 40], chunks: [1, 2, 16], compressor: 'none', fillValue: 65535 },
  { dtype: 'int64', shape: [11, 3], chunks: [4, 3], compressor: 'zstd', fillValue: 5 },
  { dtype: 'uint64', shape: [12], chunks: [5], compressor: 'blosc', fillValue: 0 },
  { dtype: 'bool', shape: [4, 9], chunks: [3, 4], compressor: 'zstd', fillValue: true },
]

describe('zarrita round trips through ZarrHAMTStore', () => {
  test.each(CASES)(
    '$dtype $shape chunks $chunks, $compressor',
    async ({ dtype, shape, chunks, compressor, fillValue }) => {
      const { cas, store } = await writableStore()
      await zarr.create(store, { attributes: { title: 'round trip' } })
      const attributes = { units: 'K', scale: [1, 2], nested: { ok: true } }
      const arr = await zarr.create(zarr.root(store).resolve('data'), {
        shape,
        chunkShape: chunks,
        dtype,
        codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, ...COMPRESSORS[compressor]],
        fillValue: fillValue as zarr.Scalar<Dtype>,
        attributes,
      })
      const size = shape.reduce((a, b) => a * b, 1)
      const whole = fill(dtype, size, size)
      await zarr.set(arr, null, { data: whole, shape, stride: stridesOf(shape) })

      // Partial write: a block straddling chunk boundaries, starting at 1 on every axis.
      const region = shape.map((n) => Math.max(1, Math.floor(n / 2)))
      const patch = fill(
        dtype,
        region.reduce((a, b) => a * b, 1),
        99,
      )
      const selection = region.map((n) => zarr.slice(1, 1 + n))
      await zarr.set(arr, selection, { data: patch, shape: region, stride: stridesOf(region) })
      const expected = await zarr.get(arr)

      // The partial write landed where it should, and nothing else moved.
      const readBack = await zarr.get(arr, selection)
      expect(plain(readBack.data)).toEqual(plain(patch))
      const corner = await zarr.get(
        arr,
        shape.map(() => 0),
      )
      expect(corner).toEqual(plain(whole)[0])

      const root = await store.commit()
      const reopened = await readOnlyStore(cas, root)
      expect(reopened.readOnly).toBe(true)
      const group = await zarr.open(reopened, { kind: 'group' })
      expect(group.attrs).toEqual({ title: 'round trip' })
      const again = await zarr.open(zarr.root(reopened).resolve('data'), { kind: 'array' })
      expect(again.dtype).toBe(dtype)
      expect(again.shape).toEqual(shape)
      expect(again.chunks).toEqual(chunks)
      expect(again.attrs).toEqual(attributes)
      const actual = await zarr.get(again)
      expect(plain(actual.data)).toEqual(plain(expected.data))
      expect(actual.shape).toEqual(shape)
    },
  )

  test('chunks never written read as the fill value, also after reopening', async () => {
    const { cas, store } = await writableStore()
    const arr = await zarr.create(zarr.root(store).resolve('sparse'), {
      shape: [10, 10],
      chunkShape: [5, 5],
      dtype: 'float32',
      fillValue: -1.5,
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, ...COMPRESSORS.zstd],
    })
    await zarr.set(arr, [zarr.slice(0, 5), zarr.slice(0, 5)], 3)
    const root = await store.commit()
    const keys = await collect((await readOnlyStore(cas, root)).list())
    expect(keys.sort()).toEqual(['sparse/c/0/0', 'sparse/zarr.json'])
    const again = await zarr.open(zarr.root(await readOnlyStore(cas, root)).resolve('sparse'), { kind: 'array' })
    const data = (await zarr.get(again)).data as Float32Array
    expect(data[0]).toBe(3)
    expect(data[5]).toBe(-1.5)
    expect(data[99]).toBe(-1.5)
  })

  test('a partial write does not alter the blocks of the dataset it was read from', async () => {
    // Uncompressed chunks decode to views of the bytes the store returns; zarrita then edits them in
    // place. A store handing out its stored bytes would corrupt the content-addressed blocks.
    const { cas, store } = await writableStore()
    const arr = await zarr.create(zarr.root(store).resolve('v'), { shape: [4], chunkShape: [4], dtype: 'int32' })
    await zarr.set(arr, null, { data: new Int32Array([1, 2, 3, 4]), shape: [4], stride: [1] })
    const before = await store.commit({ keepWritable: true })
    await zarr.set(arr, [zarr.slice(1, 2)], 9)
    const after = await store.commit()
    const old = await zarr.open(zarr.root(await readOnlyStore(cas, before)).resolve('v'), { kind: 'array' })
    expect(Array.from((await zarr.get(old)).data as Int32Array)).toEqual([1, 2, 3, 4])
    const updated = await zarr.open(zarr.root(await readOnlyStore(cas, after)).resolve('v'), { kind: 'array' })
    expect(Array.from((await zarr.get(updated)).data as Int32Array)).toEqual([1, 9, 3, 4])
  })
})
