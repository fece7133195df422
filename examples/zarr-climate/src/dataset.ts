/**
 * The example's dataset: daily temperature and precipitation on a regular latitude-longitude grid,
 * laid out as xarray's `Dataset.to_zarr(..., zarr_format=3, consolidated=True)` lays it out: a root
 * group with global attributes, one array per coordinate (`time`, `latitude`, `longitude`) and per
 * variable, `dimension_names` on every array, CF attributes, zstd-compressed chunks and the
 * metadata of every node consolidated into the root `zarr.json`.
 */
import { type ConsolidatableStore, writeConsolidatedMetadata } from '@hamt/zarr'
import * as zarr from 'zarrita'
import { precipitationAt, temperatureAt } from './synthetic.js'

export { precipitationAt, temperatureAt } from './synthetic.js'

/**
 * Where the dataset is written: an empty, writable store of either layout (`ZarrHAMTStore` from
 * `@hamt/zarr`, `ShardedZarrStore` from `@hamt/zarr-sharded`).
 */
export type WritableZarrStore = zarr.AsyncMutable & ConsolidatableStore

/** The shape of the dataset to write. */
export interface ClimateDatasetOptions {
  /** Number of days, from 2000-01-01. Default 1096 (three years). */
  days?: number
  /** Grid spacing in degrees; must divide 180. Default 2.5 (72 × 144 cells). */
  resolution?: number
  /** Days per chunk. Default 90. */
  timeChunk?: number
  /** Cells per chunk along latitude and longitude. Default `[36, 72]`. */
  spaceChunk?: [number, number]
  /**
   * Codecs appended after compression on the data variables (not the coordinates), e.g. an
   * encryption codec. Default none.
   */
  extraCodecs?: zarr.CodecMetadata[]
}

/** Coordinates and chunking of a dataset, computed from {@link ClimateDatasetOptions}. */
export interface ClimateGrid {
  days: number
  resolution: number
  /** Cell-centre latitudes, north to south (as ERA5 and most reanalyses store them). */
  latitude: Float64Array
  /** Cell-centre longitudes, west to east. */
  longitude: Float64Array
  timeChunk: number
  spaceChunk: [number, number]
  /** Chunks of all data variables together. */
  chunkCount: number
  /** Bytes of all data variables, uncompressed. */
  rawBytes: number
}

/** The dataset's data variables with their CF attributes. */
export const VARIABLES = {
  temperature: {
    at: temperatureAt,
    attributes: {
      standard_name: 'air_temperature',
      long_name: 'Daily mean near-surface air temperature',
      units: 'degC',
    },
  },
  precipitation: {
    at: precipitationAt,
    attributes: {
      standard_name: 'lwe_precipitation_rate',
      long_name: 'Daily precipitation',
      units: 'mm/day',
    },
  },
} as const

/** Names of the data variables. */
export type VariableName = keyof typeof VARIABLES

/** First day of the time axis: `time` holds days since this date. */
export const EPOCH = '2000-01-01'
const DAY_MS = 86_400_000
const ZSTD: zarr.CodecMetadata = { name: 'zstd', configuration: { level: 0, checksum: false } }
const BYTES: zarr.CodecMetadata = { name: 'bytes', configuration: { endian: 'little' } }

/** Checks the options and works out coordinates and chunking. */
export function climateGrid(options: ClimateDatasetOptions = {}): ClimateGrid {
  const { days = 1096, resolution = 2.5, timeChunk = 90, spaceChunk = [36, 72] } = options
  positiveInteger('days', days)
  positiveInteger('timeChunk', timeChunk)
  positiveInteger('spaceChunk[0]', spaceChunk[0])
  positiveInteger('spaceChunk[1]', spaceChunk[1])
  const nLat = 180 / resolution
  if (!(resolution > 0) || !Number.isInteger(nLat)) {
    throw new RangeError(`resolution must be a number of degrees that divides 180, got ${resolution}`)
  }
  const nLon = 2 * nLat
  const latitude = Float64Array.from({ length: nLat }, (_, i) => 90 - resolution * (i + 0.5))
  const longitude = Float64Array.from({ length: nLon }, (_, j) => -180 + resolution * (j + 0.5))
  const chunks = Math.ceil(days / timeChunk) * Math.ceil(nLat / spaceChunk[0]) * Math.ceil(nLon / spaceChunk[1])
  return {
    days,
    resolution,
    latitude,
    longitude,
    timeChunk,
    spaceChunk,
    chunkCount: chunks * Object.keys(VARIABLES).length,
    rawBytes: days * nLat * nLon * 4 * Object.keys(VARIABLES).length,
  }
}

/** Figures of a write. */
export interface WriteReport {
  grid: ClimateGrid
  /** Bytes of the chunks as stored (compressed, and encrypted if a codec does it). */
  storedBytes: number
}

/**
 * Writes the dataset into `store` (an empty, writable store) and consolidates its metadata; the
 * caller commits. `onChunk` is called after each data-variable chunk is stored.
 */
export async function writeClimateDataset(
  store: WritableZarrStore,
  options: ClimateDatasetOptions = {},
  onChunk?: () => void,
): Promise<WriteReport> {
  const grid = climateGrid(options)
  const { days, latitude, longitude, timeChunk, spaceChunk } = grid
  let storedBytes = 0
  // zarrita hands every chunk to the store's set: counting there gives progress and stored size.
  const counting: zarr.AsyncMutable = {
    get: (key, opts) => store.get(key, opts),
    set: async (key, value) => {
      await store.set(key, value)
      if (isDataChunk(key)) {
        storedBytes += value.length
        onChunk?.()
      }
    },
  }
  const root = zarr.root(counting)
  // A short test dataset is a few days long: say so rather than "0.0 years".
  const span = days < 365 ? `${days} days` : `${(days / 365.25).toFixed(1)} years`
  await zarr.create(root, {
    attributes: {
      title: 'Synthetic daily climate',
      summary: `${span} of made-up daily temperature and precipitation on a ${grid.resolution}° grid`,
      Conventions: 'CF-1.8',
      source: 'examples/zarr-climate (hamt): generated, not observed',
      history: 'written with zarrita into a HAMT by examples/zarr-climate',
    },
  })

  const time = await zarr.create(root.resolve('time'), {
    shape: [days],
    chunkShape: [days],
    dtype: 'int64',
    codecs: [BYTES, ZSTD],
    dimensionNames: ['time'],
    attributes: {
      standard_name: 'time',
      long_name: 'time',
      axis: 'T',
      units: `days since ${EPOCH}`,
      calendar: 'proleptic_gregorian',
    },
  })
  await zarr.set(time, null, array1d(BigInt64Array.from({ length: days }, (_, i) => BigInt(i))))
  for (const [name, values, attributes] of [
    ['latitude', latitude, { standard_name: 'latitude', long_name: 'latitude', units: 'degrees_north', axis: 'Y' }],
    ['longitude', longitude, { standard_name: 'longitude', long_name: 'longitude', units: 'degrees_east', axis: 'X' }],
  ] as const) {
    const coordinate = await zarr.create(root.resolve(name), {
      shape: [values.length],
      chunkShape: [values.length],
      dtype: 'float64',
      codecs: [BYTES, ZSTD],
      fillValue: Number.NaN,
      dimensionNames: [name],
      attributes: { ...attributes },
    })
    await zarr.set(coordinate, null, array1d(values))
  }

  const nLat = latitude.length
  const nLon = longitude.length
  for (const [name, variable] of Object.entries(VARIABLES)) {
    const array = await zarr.create(root.resolve(name), {
      shape: [days, nLat, nLon],
      chunkShape: [timeChunk, Math.min(spaceChunk[0], nLat), Math.min(spaceChunk[1], nLon)],
      dtype: 'float32',
      codecs: [BYTES, ZSTD, ...(options.extraCodecs ?? [])],
      fillValue: Number.NaN,
      dimensionNames: ['time', 'latitude', 'longitude'],
      attributes: { ...variable.attributes },
    })
    // One slab of whole time chunks at a time: every chunk is written once, in full.
    for (let t0 = 0; t0 < days; t0 += timeChunk) {
      const t1 = Math.min(days, t0 + timeChunk)
      const data = new Float32Array((t1 - t0) * nLat * nLon)
      let k = 0
      for (let t = t0; t < t1; t++) {
        for (let i = 0; i < nLat; i++) {
          for (let j = 0; j < nLon; j++) data[k++] = variable.at(t, latitude[i] as number, longitude[j] as number)
        }
      }
      await zarr.set(array, [zarr.slice(t0, t1), null, null], {
        data,
        shape: [t1 - t0, nLat, nLon],
        stride: [nLat * nLon, nLon, 1],
      })
    }
  }
  await writeConsolidatedMetadata(store)
  return { grid, storedBytes }
}

/**
 * Days in the first `years` calendar years from {@link EPOCH}, leap days included: 366 for 1 (2000
 * is a leap year), 1,096 for 3, 1,827 for 5. A fraction of a year counts that fraction of the next
 * year's days, rounded. A whole year so always ends on its 31 December, which an annual mean needs.
 */
export function daysOfYears(years: number): number {
  if (!(years > 0) || !Number.isFinite(years)) throw new RangeError(`years must be a positive number, got ${years}`)
  const start = Number(EPOCH.slice(0, 4))
  const whole = Math.floor(years)
  const yearStart = (n: number): number => dayOf(`${String(start + n).padStart(4, '0')}-01-01`)
  const next = yearStart(whole + 1) - yearStart(whole)
  return yearStart(whole) + Math.round((years - whole) * next)
}

/** The date (`YYYY-MM-DD`) of a value of the `time` coordinate. */
export function dateOf(day: number | bigint): string {
  return new Date(Date.parse(EPOCH) + Number(day) * DAY_MS).toISOString().slice(0, 10)
}

/** The `time` value (days since {@link EPOCH}) of a `YYYY-MM-DD` date. */
export function dayOf(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(ms)) {
    throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`)
  }
  return Math.round((ms - Date.parse(EPOCH)) / DAY_MS)
}

function isDataChunk(key: string): boolean {
  return Object.keys(VARIABLES).some((name) => key.startsWith(`/${name}/c/`))
}

function array1d<T extends Float64Array | BigInt64Array>(data: T): { data: T; shape: number[]; stride: number[] } {
  return { data, shape: [data.length], stride: [1] }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`)
}
