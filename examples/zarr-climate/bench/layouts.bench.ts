/**
 * The demo dataset in both layouts on the in-memory CAS: block requests and time to open the
 * dataset by its root CID and read one time series (every time chunk at one cell) and one map (every
 * spatial chunk at one day), from the sharded layout (py-hamt's ShardedZarrStore, v2) against the
 * HAMT layout (ZarrHAMTStore) in the same run, and the memory the shard cache holds.
 *
 *   pnpm --filter zarr-climate bench
 *   BENCH_RUNS=3 pnpm --filter zarr-climate bench
 *
 * Two grids: the demo's defaults (few, large chunks) and a finely chunked year, where the HAMT's
 * per-chunk walk shows.
 */
import { InMemoryCAS } from '@hamt/cas-memory'
import { type ByteRange, type CallOptions, type CID, type Codec, type ContentAddressedStore, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { openZarr } from '@hamt/zarr-open'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import * as zarr from 'zarrita'
import { type ClimateDatasetOptions, climateGrid, type WritableZarrStore, writeClimateDataset } from '../src/dataset.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)

/** Counts block loads of the real in-memory CAS: a request each, as a gateway would see them. */
class CountingCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  loads = 0
  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.loads++
    return this.inner.load(id, range, options)
  }
}

interface Figures {
  seriesLoads: number
  seriesMs: number
  mapLoads: number
  mapMs: number
  cacheBytes: number
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function measure(cas: CountingCAS, root: CID, iLat: number, iLon: number, t: number): Promise<Figures> {
  const runs: Figures[] = []
  for (let run = 0; run < RUNS; run++) {
    // Cold each time: a fresh store opened by its root CID, as a new reader would.
    cas.loads = 0
    let start = performance.now()
    let store = await openZarr(cas, root)
    let temp = await zarr.open.v3(zarr.root(store).resolve('temperature'), { kind: 'array' })
    const series = await zarr.get(temp, [null, iLat, iLon])
    const seriesMs = performance.now() - start
    const seriesLoads = cas.loads
    if (series.data.length !== temp.shape[0]) throw new Error('short series')
    const afterSeries = store instanceof ShardedZarrStore ? store.shardCacheStats.bytes : 0
    cas.loads = 0
    start = performance.now()
    store = await openZarr(cas, root)
    temp = await zarr.open.v3(zarr.root(store).resolve('temperature'), { kind: 'array' })
    await zarr.get(temp, [t, null, null])
    const mapMs = performance.now() - start
    const cacheBytes = Math.max(afterSeries, store instanceof ShardedZarrStore ? store.shardCacheStats.bytes : 0)
    runs.push({ seriesLoads, seriesMs, mapLoads: cas.loads, mapMs, cacheBytes })
  }
  return {
    seriesLoads: median(runs.map((r) => r.seriesLoads)),
    seriesMs: median(runs.map((r) => r.seriesMs)),
    mapLoads: median(runs.map((r) => r.mapLoads)),
    mapMs: median(runs.map((r) => r.mapMs)),
    cacheBytes: median(runs.map((r) => r.cacheBytes)),
  }
}

async function writeBoth(options: ClimateDatasetOptions): Promise<{ cas: CountingCAS; hamt: CID; sharded: CID }> {
  const cas = new CountingCAS()
  const write = async (store: WritableZarrStore & { commit(): Promise<CID> }) => {
    await writeClimateDataset(store, options)
    return store.commit()
  }
  const hamt = await write(new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })))
  const sharded = await write(ShardedZarrStore.create(cas))
  return { cas, hamt, sharded }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits)

for (const [label, options] of [
  ['demo defaults', {}],
  ['fine chunks', { days: 365, timeChunk: 5, spaceChunk: [9, 18] }],
] as [string, ClimateDatasetOptions][]) {
  const grid = climateGrid(options)
  const { cas, hamt, sharded } = await writeBoth(options)
  const [iLat, iLon, t] = [Math.floor(grid.latitude.length / 3), Math.floor(grid.longitude.length / 2), grid.days - 1]
  const h = await measure(cas, hamt, iLat, iLon, t)
  const s = await measure(cas, sharded, iLat, iLon, t)
  console.log(
    `${label}: ${grid.days} days x ${grid.latitude.length} x ${grid.longitude.length}, ` +
      `${grid.chunkCount / 2} chunks per variable (time chunk ${grid.timeChunk}, space ${grid.spaceChunk.join('x')}), ` +
      `6,250 chunks per shard, in-memory CAS, cold open by root CID, median of ${RUNS}`,
  )
  const row = (what: string, hv: number, sv: number, unit: string, digits: number) =>
    console.log(
      `  ${what.padEnd(22)} HAMT ${fmt(hv, digits).padStart(8)} ${unit}  sharded ${fmt(sv, digits).padStart(8)} ${unit}  ratio ${fmt(sv / hv, 2)}x`,
    )
  row('time series requests', h.seriesLoads, s.seriesLoads, '   ', 0)
  row('time series time', h.seriesMs, s.seriesMs, 'ms ', 1)
  row('map requests', h.mapLoads, s.mapLoads, '   ', 0)
  row('map time', h.mapMs, s.mapMs, 'ms ', 1)
  console.log(`  shard cache memory     ${fmt(s.cacheBytes / 1024, 1)} KiB (budget 100 MiB)`)
}
