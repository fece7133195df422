import { KuboCAS } from '@hamt/cas-kubo'
import type { CID } from '@hamt/core'
import { openZarr } from '@hamt/zarr-open'
import * as zarr from 'zarrita'
import type { Grid } from './dataset.js'
import type { RemoteGateway } from './remote-gateway.js'
import { roundTripChain } from './round-trips.js'
import { SaveLoadOnlyCAS } from './save-load-only.js'

/** The ways the dataset is read: plain files, the HAMT (without and with `preloadDepth: 1`), sharded. */
export type LayoutName = 'plain' | 'hamt' | 'hamt-preload' | 'sharded'

/** Time and requests of one read. */
export interface Measured {
  ms: number
  requests: number
  /** Of the requests, CARs of a path (`/ipfs/{cid}/{path}`): a key's chain of nodes in one answer. */
  pathReads: number
  /** Round trips one after another, as seen by the gateway (`roundTripChain`). */
  chain: number
}

/** One pass over a layout: the three reads, in this order, on one opened store. */
export interface Pass {
  /** Open (store and array) and read every time step at one point: 365 chunks for the grid. */
  series: Measured
  /** One day's map, on the array already open: 16 chunks. */
  map: Measured
  /** The same time series again: every node and shard cached, the chunks fetched again. */
  warm: Measured
}

/** Options of how the HAMT and sharded layouts are read. */
export interface ReadOptions {
  /** KuboCAS requests in flight at once. */
  casConcurrency: number
  /** `openZarr`'s `concurrency`; its default (loads bounded by the CAS alone) when absent. */
  storeConcurrency?: number
  /** `openZarr`'s `preloadDepth` (HAMT); its default when absent. */
  preloadDepth?: number
  /** `openZarr`'s `prefetchShards` (sharded); its default when absent. */
  prefetchShards?: number
  /**
   * `false`: the stores read through {@link SaveLoadOnlyCAS}, without the CAS's `loadPath` (a request
   * per node). `true`: through the `KuboCAS` itself, with `loadPath` if it has one.
   */
  pathReads: boolean
}

type FloatArray = zarr.Array<'float32', zarr.Readable>

/** Opens `temp` the way each layout is opened by a reader who knows only a URL or a root CID. */
async function openTemp(
  layout: LayoutName,
  gateway: RemoteGateway,
  options: ReadOptions,
): Promise<{ array: FloatArray; close: () => Promise<void> }> {
  if (layout === 'plain') {
    const store = new zarr.FetchStore(gateway.filesUrl)
    const array = await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })
    return { array: array as FloatArray, close: async () => {} }
  }
  const cas = new KuboCAS({
    gatewayBaseUrl: gateway.url,
    trustless: true,
    concurrency: options.casConcurrency,
    timeoutMs: 30_000,
  })
  const root = (layout === 'sharded' ? gateway.shardedRoot : gateway.hamtRoot) as CID
  const preloadDepth = layout === 'hamt-preload' ? 1 : options.preloadDepth
  const store = await openZarr(options.pathReads ? cas : new SaveLoadOnlyCAS(cas), root, {
    ...(options.storeConcurrency === undefined ? {} : { concurrency: options.storeConcurrency }),
    ...(preloadDepth === undefined ? {} : { preloadDepth }),
    ...(options.prefetchShards === undefined ? {} : { prefetchShards: options.prefetchShards }),
  })
  const array = await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })
  return { array: array as FloatArray, close: () => cas.close() }
}

async function timed(gateway: RemoteGateway, rttMs: number, read: () => Promise<void>): Promise<Measured> {
  await gateway.takeLog()
  const start = performance.timeOrigin + performance.now()
  await read()
  const ms = performance.timeOrigin + performance.now() - start
  const log = await gateway.takeLog()
  return {
    ms,
    requests: log.counts.total,
    pathReads: log.counts.pathCar,
    chain: roundTripChain(log.arrivals, start, rttMs),
  }
}

/** The point of the time series and the day of the map. */
export interface Selection {
  y: number
  x: number
  day: number
}

/**
 * Reads `layout` cold (a new reader: new CAS, new store), then the map and the warm re-read on the
 * same store, checking every value read.
 */
export async function measurePass(
  layout: LayoutName,
  grid: Grid,
  gateway: RemoteGateway,
  rttMs: number,
  options: ReadOptions,
  at: Selection,
  expected: (t: number, y: number, x: number) => number,
): Promise<Pass> {
  let opened: Awaited<ReturnType<typeof openTemp>> | undefined
  const readSeries = async (): Promise<void> => {
    const series = await zarr.get((opened as { array: FloatArray }).array, [null, at.y, at.x])
    checkSeries(layout, series.data as Float32Array, at, expected)
  }
  const series = await timed(gateway, rttMs, async () => {
    opened = await openTemp(layout, gateway, options)
    await readSeries()
  })
  const { array, close } = opened as NonNullable<typeof opened>
  try {
    const map = await timed(gateway, rttMs, async () => {
      const day = await zarr.get(array, [at.day, null, null])
      const data = day.data as Float32Array
      const [, ny, nx] = grid.shape
      const probe = data[(ny - 1) * nx + (nx - 1)] as number
      if (data.length !== ny * nx || Math.fround(expected(at.day, ny - 1, nx - 1)) !== probe) {
        throw new Error(`${layout}: wrong map for day ${at.day}`)
      }
    })
    const warm = await timed(gateway, rttMs, readSeries)
    return { series, map, warm }
  } finally {
    await close()
  }
}

function checkSeries(
  layout: LayoutName,
  data: Float32Array,
  at: Selection,
  expected: (t: number, y: number, x: number) => number,
): void {
  for (let t = 0; t < data.length; t += 97) {
    if (data[t] !== Math.fround(expected(t, at.y, at.x))) {
      throw new Error(`${layout}: wrong value at t=${t} (${data[t]})`)
    }
  }
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
