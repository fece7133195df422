import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { expect, test } from 'vitest'
import { climateGrid, dateOf, dayOf, precipitationAt, temperatureAt, writeClimateDataset } from '../src/dataset.js'
import { groupedAreaMeans, openClimateDataset, readMap, readSeries } from '../src/read.js'
import { areaWeightedMean, seriesStats } from '../src/stats.js'

const OPTIONS = { days: 50, resolution: 15, timeChunk: 16, spaceChunk: [5, 7] as [number, number] }

async function writeSmall() {
  const cas = new InMemoryCAS()
  const writer = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  let chunks = 0
  const report = await writeClimateDataset(writer, OPTIONS, () => chunks++)
  const root = await writer.commit()
  const reader = new ZarrHAMTStore(
    await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }),
  )
  return { report, chunks, root, reader }
}

test('the dataset reads back exactly what the generator made, chunk borders included', async () => {
  const { report, chunks, reader } = await writeSmall()
  // 50 days in chunks of 16 -> 4; 12 latitudes in 5s -> 3; 24 longitudes in 7s -> 4; two variables.
  expect(report.grid.chunkCount).toBe(2 * 4 * 3 * 4)
  expect(chunks).toBe(report.grid.chunkCount)
  expect(report.storedBytes).toBeGreaterThan(0)
  expect(report.storedBytes).toBeLessThan(report.grid.rawBytes)

  const dataset = await openClimateDataset(reader)
  expect(dataset.variables).toEqual(['precipitation', 'temperature'])
  expect([...dataset.latitude.slice(0, 2)]).toEqual([82.5, 67.5])
  expect([...dataset.longitude.slice(0, 2)]).toEqual([-172.5, -157.5])
  expect(dataset.time.length).toBe(50)
  expect(dateOf(dataset.time[49] as bigint)).toBe('2000-02-19')

  const temperature = await dataset.variable('temperature')
  const precipitation = await dataset.variable('precipitation')
  const [iLat, iLon] = [6, 13]
  const lat = dataset.latitude[iLat] as number
  const lon = dataset.longitude[iLon] as number
  const series = await readSeries(temperature, iLat, iLon)
  expect([...series]).toEqual(Array.from({ length: 50 }, (_, t) => Math.fround(temperatureAt(t, lat, lon))))
  const map = await readMap(precipitation, 17)
  const expected = new Float32Array(12 * 24)
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < 24; j++) {
      expected[i * 24 + j] = precipitationAt(17, dataset.latitude[i] as number, dataset.longitude[j] as number)
    }
  }
  expect(map).toEqual(expected)
  expect(seriesStats(map).positive).toBeGreaterThan(0)
  expect(seriesStats(map).positive).toBeLessThan(map.length)

  const means = await groupedAreaMeans(temperature, dataset.latitude, (t) => (t < 31 ? 'jan' : 'feb'))
  expect([...means.keys()]).toEqual(['jan', 'feb'])
  const jan = await readMap(temperature, 0)
  expect(areaWeightedMean(jan, dataset.latitude)).toBeGreaterThan(0)
  expect(Math.abs((means.get('jan') as number) - areaWeightedMean(jan, dataset.latitude))).toBeLessThan(3)
})

test('the layout is the one xarray writes: dimension names, CF attributes, zstd, consolidated metadata', async () => {
  const { reader } = await writeSmall()
  const json = async (key: string) => JSON.parse(new TextDecoder().decode(await reader.get(key)))
  const root = await json('/zarr.json')
  expect(root.attributes.Conventions).toBe('CF-1.8')
  expect(root.consolidated_metadata.kind).toBe('inline')
  expect(Object.keys(root.consolidated_metadata.metadata).sort()).toEqual([
    'latitude',
    'longitude',
    'precipitation',
    'temperature',
    'time',
  ])
  const temperature = await json('/temperature/zarr.json')
  expect(temperature.dimension_names).toEqual(['time', 'latitude', 'longitude'])
  expect(temperature.attributes).toMatchObject({ standard_name: 'air_temperature', units: 'degC' })
  expect(temperature.codecs.map((c: { name: string }) => c.name)).toEqual(['bytes', 'zstd'])
  expect(temperature.fill_value).toBe('NaN')
  const time = await json('/time/zarr.json')
  expect(time).toMatchObject({ data_type: 'int64', dimension_names: ['time'] })
  expect(time.attributes).toMatchObject({ units: 'days since 2000-01-01', calendar: 'proleptic_gregorian' })
})

test('the same options always give the same root CID', async () => {
  const [a, b] = await Promise.all([writeSmall(), writeSmall()])
  expect(a.root.toString()).toBe(b.root.toString())
})

test('bad shapes and dates are RangeErrors naming the problem', () => {
  expect(() => climateGrid({ resolution: 7 })).toThrow(/divides 180/)
  expect(() => climateGrid({ days: 0 })).toThrow(/days must be a positive integer/)
  expect(() => climateGrid({ timeChunk: 1.5 })).toThrow(/timeChunk/)
  expect(() => dayOf('2001-13-01')).toThrow(RangeError)
  expect(dayOf('2001-07-01')).toBe(547)
})
