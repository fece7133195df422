/**
 * Writes a synthetic climate dataset with zarrita into a HAMT, then reopens it read-only by root
 * CID and reads a time series, a map, and everything (annual global means).
 *
 *   npx -y pnpm@10.34.9 --filter zarr-climate start                 # into blockstore-fs on disk, then read
 *   npx -y pnpm@10.34.9 --filter zarr-climate start -- --reopen     # read what the last run wrote
 *   npx -y pnpm@10.34.9 --filter zarr-climate start -- --kubo       # into a local Kubo node instead
 *   npx -y pnpm@10.34.9 --filter zarr-climate start -- --layout sharded   # py-hamt's sharded layout (v2) instead of a HAMT
 *
 * See README.md for every option.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { KuboCAS } from '@hamt/cas-kubo'
import { CID, type ContentAddressedStore, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { openZarr } from '@hamt/zarr-open'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import { climateGrid, dateOf, dayOf, daysOfYears, VARIABLES, writeClimateDataset } from './dataset.js'
import { progressBar } from './progress.js'
import { groupedAreaMeans, nearestIndex, openClimateDataset, readMap, readSeries } from './read.js'
import { areaWeightedMean, countAtLeast, seriesStats, WET_DAY_MM } from './stats.js'
import { LocalDatasetStore } from './store.js'

const USAGE = `usage: npx -y pnpm@10.34.9 --filter zarr-climate start [-- options]
  --years N            calendar years of daily data from 2000-01-01, leap days included (default 3)
  --days N             days of data instead of --years
  --resolution DEG     grid spacing in degrees, dividing 180 (default 2.5)
  --time-chunk N       days per chunk (default 90)
  --point LAT,LON      where to read a time series (default 52.5,13.4)
  --date YYYY-MM-DD    which day's map to read (default 2001-07-01, or the last day)
  --data-dir DIR       where the local store (blockstore-fs) lives (default
                       examples/zarr-climate/.hamt-data, or $HAMT_DATA_DIR)
  --layout L           hamt (default) or sharded: py-hamt's ShardedZarrStore (v2); reads open either
  --reopen             read the dataset the last run saved instead of writing
  --root CID           read the dataset with this root CID instead of writing
  --kubo               use a local Kubo node instead of the local store
  --rpc-url URL        Kubo RPC API (default http://127.0.0.1:5001)
  --gateway-url URL    IPFS gateway for reads (default http://127.0.0.1:8080)`

class UsageError extends Error {}

const fmt = (value: number, digits = 1): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const mb = (bytes: number): string => `${fmt(bytes / 1e6)} MB`
const count = (value: number): string => value.toLocaleString('en-US')

function parseCommandLine() {
  const { values } = parseArgs({
    args: scriptArgs(),
    options: {
      years: { type: 'string', default: '3' },
      days: { type: 'string' },
      resolution: { type: 'string', default: '2.5' },
      'time-chunk': { type: 'string', default: '90' },
      point: { type: 'string', default: '52.5,13.4' },
      date: { type: 'string' },
      'data-dir': { type: 'string' },
      layout: { type: 'string', default: 'hamt' },
      reopen: { type: 'boolean', default: false },
      root: { type: 'string' },
      kubo: { type: 'boolean', default: false },
      'rpc-url': { type: 'string', default: 'http://127.0.0.1:5001' },
      'gateway-url': { type: 'string', default: 'http://127.0.0.1:8080' },
      help: { type: 'boolean', default: false },
    },
  })
  const number = (name: string, text: string): number => {
    const value = Number(text)
    if (text.trim() === '' || !Number.isFinite(value))
      throw new UsageError(`--${name} must be a number, got ${JSON.stringify(text)}`)
    return value
  }
  // Whole calendar years, so a leap year's 31 December is in the data and in its annual mean.
  const days =
    values.days === undefined ? asUsage(() => daysOfYears(number('years', values.years))) : number('days', values.days)
  const point = values.point.split(',').map((part) => number('point', part))
  if (point.length !== 2 || Math.abs(point[0] as number) > 90 || Math.abs(point[1] as number) > 180) {
    throw new UsageError(`--point must be LAT,LON in degrees, got ${JSON.stringify(values.point)}`)
  }
  let root: CID | undefined
  if (values.root !== undefined) {
    try {
      root = CID.parse(values.root)
    } catch {
      throw new UsageError(`--root is not a CID: ${JSON.stringify(values.root)}`)
    }
  }
  if (values.layout !== 'hamt' && values.layout !== 'sharded') {
    throw new UsageError(`--layout must be hamt or sharded, got ${JSON.stringify(values.layout)}`)
  }
  if (values.reopen && values.kubo && root === undefined) {
    throw new UsageError('--reopen with --kubo needs --root CID (Kubo keeps no record of the last run)')
  }
  return {
    help: values.help,
    grid: {
      days,
      resolution: number('resolution', values.resolution),
      timeChunk: number('time-chunk', values['time-chunk']),
    },
    point: point as [number, number],
    date: values.date,
    dataDir: path.resolve(
      values['data-dir'] ??
        process.env.HAMT_DATA_DIR ??
        path.join(fileURLToPath(new URL('..', import.meta.url)), '.hamt-data'),
    ),
    layout: values.layout,
    reopen: values.reopen,
    root,
    kubo: values.kubo ? { rpcBaseUrl: values['rpc-url'], gatewayBaseUrl: values['gateway-url'] } : undefined,
  }
}

async function main(): Promise<void> {
  const options = parseCommandLine()
  if (options.help) {
    console.log(USAGE)
    return
  }
  const grid = asUsage(() => climateGrid(options.grid))
  const nLat = grid.latitude.length
  const nLon = grid.longitude.length

  let cas: ContentAddressedStore
  let local: LocalDatasetStore | undefined
  if (options.kubo) {
    await checkKubo(options.kubo.rpcBaseUrl)
    cas = new KuboCAS(options.kubo)
    console.log(`Store: Kubo (RPC ${options.kubo.rpcBaseUrl}, reads through ${options.kubo.gatewayBaseUrl})`)
  } else {
    local = await LocalDatasetStore.open(path.join(options.dataDir, 'zarr-climate'))
    cas = local.cas
    console.log(`Store: blockstore-fs, ${local.blocksDirectory} (--kubo for a local Kubo node)`)
  }

  let root = options.root
  if (root === undefined && options.reopen) {
    root = await local?.getRoot()
    if (root === undefined)
      throw new UsageError(`--reopen: no dataset saved yet in ${local?.directory}; run without --reopen first`)
  }

  if (root === undefined) {
    const years = grid.days / 365.25
    console.log(
      `Writing ${fmt(years)} years of daily temperature and precipitation on a ${grid.resolution}° grid ` +
        `(time ${count(grid.days)} × latitude ${nLat} × longitude ${nLon}, ${count(grid.chunkCount)} chunks)`,
    )
    const start = performance.now()
    const store =
      options.layout === 'sharded'
        ? ShardedZarrStore.create(cas)
        : new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
    const bar = progressBar('writing', grid.chunkCount)
    const report = await writeClimateDataset(store, options.grid, () => bar.increment())
    root = await store.commit()
    bar.stop()
    const seconds = (performance.now() - start) / 1000
    console.log(
      `Wrote ${mb(grid.rawBytes)} of data as ${count(grid.chunkCount)} chunks (${mb(report.storedBytes)} compressed) ` +
        `in ${fmt(seconds, 2)} s: ${fmt(grid.rawBytes / 1e6 / seconds)} MB/s`,
    )
    console.log(`Root CID: ${root}`)
    if (local !== undefined) {
      await local.setRoot(root)
      console.log(
        `Saved the root in ${path.join(local.directory, 'root')}: \`npx -y pnpm@10.34.9 --filter zarr-climate start -- --reopen\` reads it without writing`,
      )
    } else {
      console.log(`Read it again with \`npx -y pnpm@10.34.9 --filter zarr-climate start -- --kubo --root ${root}\``)
    }
  } else {
    console.log(`Reopening root CID ${root}`)
  }

  // Reading starts from nothing but the root CID, as another process or machine would.
  // openZarr recognises the layout (HAMT or sharded) from the root block.
  const dataset = await openClimateDataset(await openZarr(cas, root))
  console.log(
    `Opened read-only: "${String(dataset.attributes.title)}", variables ${dataset.variables.join(', ')} ` +
      `over time × latitude × longitude (${count(dataset.time.length)} × ${dataset.latitude.length} × ${dataset.longitude.length})`,
  )
  const names = Object.keys(VARIABLES).filter((name) => dataset.variables.includes(name))
  const arrays = await Promise.all(names.map((name) => dataset.variable(name)))
  const temperature = arrays[names.indexOf('temperature')]
  const precipitation = arrays[names.indexOf('precipitation')]
  if (temperature === undefined || precipitation === undefined) {
    throw new Error(
      `the dataset has no temperature and precipitation variables (it has ${dataset.variables.join(', ')})`,
    )
  }
  const days = dataset.time.length
  const timeChunks = Math.ceil(days / (temperature.chunks[0] as number))
  const day = (index: number): string => dateOf(dataset.time[index] as bigint)
  const date = options.date
  const mapDay = date === undefined ? Math.min(days - 1, dayOf('2001-07-01')) : asUsage(() => dayOf(date))
  const t = dataset.time.indexOf(BigInt(mapDay))
  if (t < 0) throw new UsageError(`--date ${dateOf(mapDay)} is outside the dataset (${day(0)} to ${day(days - 1)})`)

  // A time series at one point.
  const [lat, lon] = options.point
  const iLat = nearestIndex(dataset.latitude, lat)
  const iLon = nearestIndex(dataset.longitude, lon)
  let start = performance.now()
  let bar = progressBar('reading time series', 2 * timeChunks)
  const [tSeries, pSeries] = [
    await readSeries(temperature, iLat, iLon, () => bar.increment()),
    await readSeries(precipitation, iLat, iLon, () => bar.increment()),
  ]
  bar.stop()
  const tStats = seriesStats(tSeries)
  const pStats = seriesStats(pSeries)
  console.log(
    `Time series at ${latLon(lat, lon)} (nearest cell ${latLon(dataset.latitude[iLat] as number, dataset.longitude[iLon] as number)}), ` +
      `${count(days)} days, read in ${fmt(performance.now() - start, 0)} ms:`,
  )
  console.log(
    `  temperature:   mean ${fmt(tStats.mean)} °C, min ${fmt(tStats.min)} °C (${day(tStats.argmin)}), ` +
      `max ${fmt(tStats.max)} °C (${day(tStats.argmax)})`,
  )
  console.log(
    `  precipitation: total ${count(Math.round(pStats.sum))} mm, wettest day ${fmt(pStats.max)} mm (${day(pStats.argmax)}), ` +
      `${fmt((100 * countAtLeast(pSeries)) / days, 0)}% of days wet (≥ ${WET_DAY_MM} mm)`,
  )

  // A map at one time.
  start = performance.now()
  const [tMap, pMap] = await Promise.all([readMap(temperature, t), readMap(precipitation, t)])
  const tMapStats = seriesStats(tMap)
  const pMapStats = seriesStats(pMap)
  console.log(
    `Map on ${day(t)} (${dataset.latitude.length} × ${dataset.longitude.length} cells), read in ${fmt(performance.now() - start, 0)} ms:`,
  )
  console.log(
    `  temperature:   min ${fmt(tMapStats.min)} °C, max ${fmt(tMapStats.max)} °C, ` +
      `area-weighted mean ${fmt(areaWeightedMean(tMap, dataset.latitude))} °C`,
  )
  console.log(
    `  precipitation: max ${fmt(pMapStats.max)} mm/day, area-weighted mean ${fmt(areaWeightedMean(pMap, dataset.latitude), 2)} mm/day, ` +
      `${fmt((100 * countAtLeast(pMap)) / pMap.length, 0)}% of cells wet (≥ ${WET_DAY_MM} mm/day)`,
  )

  // Everything: annual global means.
  start = performance.now()
  let bytes = 0
  bar = progressBar('reading all data', 2 * timeChunks)
  const year = (index: number): string => day(index).slice(0, 4)
  const onSlab = (slabBytes: number): void => {
    bytes += slabBytes
    bar.increment()
  }
  const tYears = await groupedAreaMeans(temperature, dataset.latitude, year, onSlab)
  const pYears = await groupedAreaMeans(precipitation, dataset.latitude, year, onSlab)
  bar.stop()
  const seconds = (performance.now() - start) / 1000
  console.log(
    `Annual global means (area-weighted), from all ${mb(bytes)} read in ${fmt(seconds, 2)} s: ${fmt(bytes / 1e6 / seconds)} MB/s`,
  )
  // A year the data covers only in part is marked: its mean is not an annual mean.
  const daysIn = new Map<string, number>()
  for (let t = 0; t < days; t++) daysIn.set(year(t), (daysIn.get(year(t)) ?? 0) + 1)
  for (const [name, mean] of tYears) {
    const covered = daysIn.get(name) ?? 0
    const length = dayOf(`${Number(name) + 1}-01-01`) - dayOf(`${name}-01-01`)
    const partial = covered < length ? ` (${count(covered)} of ${length} days)` : ''
    console.log(`  ${name}: ${fmt(mean, 2)} °C, ${fmt(pYears.get(name) as number, 2)} mm/day${partial}`)
  }
  if (cas instanceof KuboCAS) await cas.close()
  await local?.close()
}

/** Runs a check of the dataset module, reporting a bad value as a usage error. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message)
    throw error
  }
}

function latLon(lat: number, lon: number): string {
  return `${fmt(Math.abs(lat), 2)}°${lat < 0 ? 'S' : 'N'} ${fmt(Math.abs(lon), 2)}°${lon < 0 ? 'W' : 'E'}`
}

/** Fails fast, with advice, when no Kubo answers (KuboCAS itself would retry for several seconds). */
async function checkKubo(rpcBaseUrl: string): Promise<void> {
  try {
    const response = await fetch(new URL('api/v0/version', `${rpcBaseUrl.replace(/\/+$/, '')}/`), {
      method: 'POST',
      signal: AbortSignal.timeout(5000),
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
  } catch (error) {
    throw new UsageError(
      `No Kubo RPC API answers at ${rpcBaseUrl} (${(error as Error).message}). Start one with \`ipfs daemon\`, ` +
        'pass --rpc-url, or run without --kubo to use the local store.',
    )
  }
}

try {
  await main()
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  console.error(`zarr-climate failed: ${(error as Error).stack ?? String(error)}`)
  process.exit(1)
}

/** The script's arguments; `pnpm start -- --flag` passes the `--` on, and it means nothing here. */
function scriptArgs(): string[] {
  const args = process.argv.slice(2)
  return args[0] === '--' ? args.slice(1) : args
}
