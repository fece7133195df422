import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { expect, test } from 'vitest'
import { climateGrid, dateOf, dayOf, daysOfYears, temperatureAt, writeClimateDataset } from '../src/dataset.js'
import { groupedAreaMeans, openClimateDataset } from '../src/read.js'
import { countAtLeast, WET_DAY_MM } from '../src/stats.js'

const grid = climateGrid() // the demo's 2.5° grid

/** Area-weighted global mean temperature of the generator on `day`, over the demo's grid. */
function globalMean(day: number, latitude = grid.latitude, longitude = grid.longitude): number {
  let weighted = 0
  let weights = 0
  for (const lat of latitude) {
    const w = Math.cos((lat * Math.PI) / 180)
    for (const lon of longitude) {
      weighted += w * temperatureAt(day, lat, lon)
      weights += w
    }
  }
  return weighted / weights
}

/** Mean over `days` of `f(day)`. */
const meanOver = (days: number[], f: (day: number) => number): number =>
  days.reduce((sum, day) => sum + f(day), 0) / days.length
const daysOfMonth = (month: string): number[] => {
  const first = dayOf(`2001-${month}-01`)
  return Array.from({ length: 31 }, (_, i) => first + i)
}
/** Zonal-mean temperature at `lat` over a month of 2001. */
const zonalMonthMean = (lat: number, month: string): number =>
  meanOver(daysOfMonth(month), (day) => meanOver([...grid.longitude], (lon) => temperatureAt(day, lat, lon)))

test('the global mean has a seasonal cycle like the real one: coldest in January, about 3.5 °C warmer in July', () => {
  const january = meanOver(daysOfMonth('01'), (day) => globalMean(day))
  const july = meanOver(daysOfMonth('07'), (day) => globalMean(day))
  // The real Earth: about 12 °C in January and 16 °C in July (the land-heavy north dominates).
  expect(july - january).toBeGreaterThan(2.5)
  expect(july - january).toBeLessThan(5)
  expect(january).toBeGreaterThan(11)
  expect(july).toBeLessThan(17.5)
  const year = Array.from({ length: 365 }, (_, i) => dayOf('2001-01-01') + i)
  const annual = meanOver(year, (day) => globalMean(day))
  expect(annual).toBeGreaterThan(13.5)
  expect(annual).toBeLessThan(15.5)
})

test('the seasons are opposite in the two hemispheres, and larger in the north', () => {
  const north = zonalMonthMean(46.25, '07') - zonalMonthMean(46.25, '01')
  const south = zonalMonthMean(-46.25, '01') - zonalMonthMean(-46.25, '07')
  expect(north).toBeGreaterThan(15) // northern summer in July
  expect(south).toBeGreaterThan(5) // southern summer in January
  expect(north).toBeGreaterThan(south)
  // The tropics barely change.
  expect(Math.abs(zonalMonthMean(1.25, '07') - zonalMonthMean(1.25, '01'))).toBeLessThan(2)
})

test('a wet day is one with at least 1 mm', () => {
  expect(WET_DAY_MM).toBe(1)
  expect(countAtLeast([0, 0.2, 0.99, 1, 1.01, 30])).toBe(3)
  expect(countAtLeast(new Float32Array([0.5, 2]), 0.5)).toBe(2)
})

test('--years counts calendar years, leap days included', () => {
  expect(daysOfYears(1)).toBe(366) // 2000 is a leap year
  expect(daysOfYears(2)).toBe(731)
  expect(daysOfYears(3)).toBe(1096)
  expect(daysOfYears(5)).toBe(1827) // 2004 too
  expect(daysOfYears(1.5)).toBe(366 + 183)
  expect(dateOf(daysOfYears(1) - 1)).toBe('2000-12-31')
  expect(dateOf(daysOfYears(5) - 1)).toBe('2004-12-31')
  expect(() => daysOfYears(0)).toThrow(RangeError)
})

test("a leap year's annual mean includes its 31 December", async () => {
  // 2000-01-01 to 2001-01-01, on a coarse grid; 61-day chunks end exactly on 2000-12-31.
  const options = { days: daysOfYears(1) + 1, resolution: 30, timeChunk: 61, spaceChunk: [6, 12] as [number, number] }
  const cas = new InMemoryCAS()
  const writer = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await writeClimateDataset(writer, options)
  const root = await writer.commit()
  const reader = new ZarrHAMTStore(
    await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }),
  )
  const dataset = await openClimateDataset(reader)
  const year = (t: number): string => dateOf(dataset.time[t] as bigint).slice(0, 4)
  const means = await groupedAreaMeans(await dataset.variable('temperature'), dataset.latitude, year)
  expect([...means.keys()]).toEqual(['2000', '2001'])

  const { latitude, longitude } = climateGrid(options)
  // float32 storage: compare each day's mean through Math.fround of every value.
  const stored = (day: number): number => {
    let weighted = 0
    let weights = 0
    for (const lat of latitude) {
      const w = Math.cos((lat * Math.PI) / 180)
      for (const lon of longitude) {
        weighted += w * Math.fround(temperatureAt(day, lat, lon))
        weights += w
      }
    }
    return weighted / weights
  }
  const all366 = meanOver(
    Array.from({ length: 366 }, (_, i) => i),
    stored,
  )
  const without31December = meanOver(
    Array.from({ length: 365 }, (_, i) => i),
    stored,
  )
  expect(Math.abs(without31December - all366)).toBeGreaterThan(1e-3) // the day makes a visible difference
  expect(means.get('2000')).toBeCloseTo(all366, 6)
  expect(means.get('2001')).toBeCloseTo(stored(366), 6)
})
