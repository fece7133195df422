import { ReadOnlyError } from '@hamt/core'
import { expect, test } from 'vitest'
import * as zarr from 'zarrita'
import { SHARDED_ZARR_V1, ShardedZarrStore } from '../src/index.js'
import { casFromVector, collect } from './helpers.js'

const linspace = (from: number, to: number, n: number) =>
  Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1))

test('a sharded_zarr_v1 store written by py-hamt opens by its root CID and reads every array', async () => {
  const { cas, root } = await casFromVector('pyhamt-sharded-v1-single-var.json')
  const store = await ShardedZarrStore.open(cas, root)
  expect(store.manifestVersion).toBe(SHARDED_ZARR_V1)
  expect(store.readOnly).toBe(true)
  const group = zarr.root(store)

  const temp = await zarr.open(group.resolve('temp'), { kind: 'array' })
  expect(temp.shape).toEqual([4, 4, 6])
  expect(temp.chunks).toEqual([2, 4, 6])
  const all = await zarr.get(temp)
  expect(Array.from(all.data as Float64Array)).toEqual(Array.from({ length: 96 }, (_, i) => i))

  const time = await zarr.open(group.resolve('time'), { kind: 'array' })
  expect(Array.from((await zarr.get(time)).data as BigInt64Array)).toEqual([0n, 1n, 2n, 3n])
  const lat = await zarr.open(group.resolve('lat'), { kind: 'array' })
  const latValues = Array.from((await zarr.get(lat)).data as Float64Array)
  linspace(-90, 90, 4).forEach((v, i) => {
    expect(latValues[i]).toBeCloseTo(v, 12)
  })
  const lon = await zarr.open(group.resolve('lon'), { kind: 'array' })
  const lonValues = Array.from((await zarr.get(lon)).data as Float64Array)
  linspace(-180, 180, 6).forEach((v, i) => {
    expect(lonValues[i]).toBeCloseTo(v, 12)
  })

  // A time series through every chunk of the sharded array.
  const series = await zarr.get(temp, [null, 2, 3])
  expect(Array.from(series.data as Float64Array)).toEqual([15, 39, 63, 87])
})

test('v1 listing names the primary array chunks under their path and the coordinates as plain entries', async () => {
  const { cas, root } = await casFromVector('pyhamt-sharded-v1-single-var.json')
  const store = await ShardedZarrStore.open(cas, root)
  const keys = await collect(store.list())
  expect(keys).toContain('temp/c/0/0/0')
  expect(keys).toContain('temp/c/1/0/0')
  expect(keys).toContain('lat/c/0')
  expect(keys).toContain('zarr.json')
  expect(await collect(store.listDir(''))).toEqual(['lat', 'lon', 'temp', 'time', 'zarr.json'])
  expect(await collect(store.listDir('temp/c'))).toEqual(['0', '1'])
  expect(await store.has('/temp/c/1/0/0')).toBe(true)
  expect(await store.has('temp/zarr.json')).toBe(true)
  expect(await store.has('nope/zarr.json')).toBe(false)
})

test('a v1 store is read-only: writes are refused and asking to write fails with ReadOnlyError', async () => {
  const { cas, root } = await casFromVector('pyhamt-sharded-v1-single-var.json')
  const store = await ShardedZarrStore.open(cas, root)
  await expect(store.set('temp/c/0/0/0', new Uint8Array(1))).rejects.toThrow(ReadOnlyError)
  await expect(store.delete('temp/c/0/0/0')).rejects.toThrow(/sharded_zarr_v1 is read-only/)
  await expect(ShardedZarrStore.open(cas, root, { writable: true })).rejects.toThrow(ReadOnlyError)
})

test('a v1 chunk key outside the grid is a typed error naming the key', async () => {
  const { cas, root } = await casFromVector('pyhamt-sharded-v1-single-var.json')
  const store = await ShardedZarrStore.open(cas, root)
  await expect(store.get('temp/c/2/0/0')).rejects.toMatchObject({ code: 'ERR_CHUNK_OUT_OF_GRID', key: 'temp/c/2/0/0' })
})
