import { expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { writeConsolidatedMetadata } from '../src/index.js'
import { collect, random, readOnlyStore, utf8, writableStore } from './helpers.js'

const T = 6
const LAT = 5
const LON = 8

/** Metadata as zarr-python 3 writes it for `xarray.Dataset.to_zarr(zarr_format=3)`. */
function arrayMeta(
  shape: number[],
  chunks: number[],
  dtype: string,
  fill: unknown,
  dims: string[],
  attributes: object,
) {
  return {
    shape,
    data_type: dtype,
    chunk_grid: { name: 'regular', configuration: { chunk_shape: chunks } },
    chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
    fill_value: fill,
    codecs: [
      { name: 'bytes', configuration: { endian: 'little' } },
      { name: 'zstd', configuration: { level: 0, checksum: false } },
    ],
    attributes,
    dimension_names: dims,
    zarr_format: 3,
    node_type: 'array',
    storage_transformers: [],
  }
}

const json = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value, null, 2))

async function writeDataset() {
  const env = await writableStore()
  const { store } = env
  await store.set(
    '/zarr.json',
    json({
      attributes: { title: 'ERA5 2m temperature' },
      zarr_format: 3,
      consolidated_metadata: null,
      node_type: 'group',
    }),
  )
  await store.set(
    '/time/zarr.json',
    json(
      arrayMeta([T], [T], 'int64', 0, ['time'], { units: 'days since 2000-01-01', calendar: 'proleptic_gregorian' }),
    ),
  )
  await store.set(
    '/latitude/zarr.json',
    json(arrayMeta([LAT], [LAT], 'float32', 'NaN', ['latitude'], { units: 'degrees_north' })),
  )
  await store.set(
    '/longitude/zarr.json',
    json(arrayMeta([LON], [LON], 'float32', 'NaN', ['longitude'], { units: 'degrees_east' })),
  )
  await store.set(
    '/temp/zarr.json',
    json(
      arrayMeta([T, LAT, LON], [2, 5, 4], 'float32', 'NaN', ['time', 'latitude', 'longitude'], {
        units: 'K',
        _FillValue: 'AAAAAAAA+H8=',
      }),
    ),
  )

  const root = zarr.root(store)
  const open = (name: string) => zarr.open(root.resolve(name), { kind: 'array' })
  await zarr.set(await open('time'), null, {
    data: BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
    shape: [T],
    stride: [1],
  })
  await zarr.set(await open('latitude'), null, {
    data: Float32Array.from({ length: LAT }, (_, i) => 90 - i * 45),
    shape: [LAT],
    stride: [1],
  })
  await zarr.set(await open('longitude'), null, {
    data: Float32Array.from({ length: LON }, (_, i) => i * 45),
    shape: [LON],
    stride: [1],
  })
  const next = random(7)
  const temp = Float32Array.from({ length: T * LAT * LON }, () => 250 + next() * 60)
  temp[3] = Number.NaN
  await zarr.set(await open('temp'), null, { data: temp, shape: [T, LAT, LON], stride: [LAT * LON, LON, 1] })
  return { ...env, temp }
}

test('a dataset in the layout xarray writes round trips', async () => {
  const { cas, store, temp } = await writeDataset()
  const rootCid = await store.commit()
  const ro = await readOnlyStore(cas, rootCid)

  const group = await zarr.open(ro, { kind: 'group' })
  expect(group.attrs).toEqual({ title: 'ERA5 2m temperature' })
  expect(await collect(ro.listDir(''))).toEqual(['latitude', 'longitude', 'temp', 'time', 'zarr.json'])

  const arr = await zarr.open(zarr.root(ro).resolve('temp'), { kind: 'array' })
  expect(arr.dtype).toBe('float32')
  expect(arr.shape).toEqual([T, LAT, LON])
  expect(arr.attrs).toMatchObject({ units: 'K' })
  const meta = JSON.parse(new TextDecoder().decode(await ro.get('/temp/zarr.json')))
  expect(meta.dimension_names).toEqual(['time', 'latitude', 'longitude'])
  expect(Array.from((await zarr.get(arr)).data as Float32Array)).toEqual(Array.from(temp))
  // One time step, one latitude row: a selection across chunks.
  const row = await zarr.get(arr, [3, 2, null])
  expect(Array.from(row.data as Float32Array)).toEqual(Array.from(temp.subarray(3 * 40 + 2 * 8, 3 * 40 + 3 * 8)))

  const time = await zarr.open(zarr.root(ro).resolve('time'), { kind: 'array' })
  expect(Array.from((await zarr.get(time)).data as BigInt64Array)).toEqual([0n, 1n, 2n, 3n, 4n, 5n])
  const lat = await zarr.open(zarr.root(ro).resolve('latitude'), { kind: 'array' })
  expect(Array.from((await zarr.get(lat)).data as Float32Array)).toEqual([90, 45, 0, -45, -90])
})

test('consolidated metadata opens the whole dataset with one lookup', async () => {
  const { cas, store } = await writeDataset()
  const written = await writeConsolidatedMetadata(store)
  expect(Object.keys(written.consolidated_metadata.metadata).sort()).toEqual(['latitude', 'longitude', 'temp', 'time'])
  const rootCid = await store.commit()

  const ro = await readOnlyStore(cas, rootCid)
  const gets: string[] = []
  const counting = {
    get: (key: zarr.AbsolutePath, options?: zarr.GetOptions) => {
      gets.push(key)
      return ro.get(key, options)
    },
  }
  const consolidated = await zarr.withConsolidatedMetadata(counting, { format: 'v3' })
  expect(
    consolidated
      .contents()
      .map((c) => c.path)
      .sort(),
  ).toEqual(['/', '/latitude', '/longitude', '/temp', '/time'])
  const temp = await zarr.open.v3(zarr.root(consolidated).resolve('temp'), { kind: 'array' })
  const lat = await zarr.open.v3(zarr.root(consolidated).resolve('latitude'), { kind: 'array' })
  expect(temp.shape).toEqual([T, LAT, LON])
  expect(temp.attrs).toMatchObject({ units: 'K' })
  expect(lat.shape).toEqual([LAT])
  expect(gets).toEqual(['/zarr.json'])
})

test('consolidating needs a root group', async () => {
  const { store } = await writableStore()
  await expect(writeConsolidatedMetadata(store)).rejects.toMatchObject({ code: 'ERR_ZARR_METADATA', key: 'zarr.json' })
  await zarr.create(store, { shape: [2], chunkShape: [2], dtype: 'int8' })
  await expect(writeConsolidatedMetadata(store)).rejects.toThrow(/only a group can consolidate/)
})
