/**
 * Zarr reads at network speed: one dataset (float32 3650×72×144 in chunks of 10×18×36, 5,840 chunks)
 * served by a loopback gateway that answers every request after a chosen round-trip time, read three
 * ways in the same process: plain Zarr files through zarrita's FetchStore (the baseline), the HAMT
 * layout and the sharded layout through KuboCAS in trustless mode (raw blocks, every one checked).
 * Then a 1,000,000-chunk HAMT opened cold: round trips until its first chunk arrives.
 *
 *   pnpm --filter @hamt/bench-network bench               # 40 and 100 ms, 3 runs each
 *   pnpm --filter @hamt/bench-network bench -- --quick    # 40 ms, 1 run, a 100,000-chunk cold open
 *   ... -- --rtt=20,200 --runs=5 --cas-concurrency=1024 --store-concurrency=32 --cold-chunks=1000000
 *   ... -- --no-consolidated    # the root zarr.json without consolidated metadata (the dataset before)
 *   ... -- --no-path-reads      # HAMT and sharded read block by block, without KuboCAS's loadPath
 */
import { parseArgs } from 'node:util'
import { KuboCAS } from '@hamt/cas-kubo'
import { type ColdOpen, measureColdOpen } from './cold.js'
import { ISSUE_GRID, valueAt } from './dataset.js'
import { type LayoutName, type Measured, measurePass, median, type Pass } from './reads.js'
import { RemoteGateway } from './remote-gateway.js'
import { readsPaths } from './save-load-only.js'
import { seriesChain } from './series-chain.js'
import { roundTripBound, type TargetCheck, targetsTable } from './targets.js'

const { values: args } = parseArgs({
  // pnpm passes the `--` of `pnpm bench -- --quick` on: drop it, or every option after it is ignored.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  // `--no-consolidated`, `--no-path-reads`.
  allowNegative: true,
  options: {
    quick: { type: 'boolean', default: false },
    rtt: { type: 'string' },
    runs: { type: 'string' },
    'cas-concurrency': { type: 'string', default: '1024' },
    'store-concurrency': { type: 'string' },
    'cold-chunks': { type: 'string' },
    'skip-cold': { type: 'boolean', default: false },
    'preload-depth': { type: 'string' },
    'prefetch-shards': { type: 'string' },
    consolidated: { type: 'boolean', default: true },
    'path-reads': { type: 'boolean', default: true },
  },
})
const quick = args.quick === true
const rtts = (args.rtt ?? (quick ? '40' : '40,100')).split(',').map(Number)
const runs = Number(args.runs ?? (quick ? 1 : 3))
const consolidated = args.consolidated !== false
const readOptions = {
  casConcurrency: Number(args['cas-concurrency']),
  pathReads: args['path-reads'] !== false,
  ...(args['store-concurrency'] === undefined ? {} : { storeConcurrency: Number(args['store-concurrency']) }),
  ...(args['preload-depth'] === undefined ? {} : { preloadDepth: Number(args['preload-depth']) }),
  ...(args['prefetch-shards'] === undefined ? {} : { prefetchShards: Number(args['prefetch-shards']) }),
}
const coldChunks = Number(args['cold-chunks'] ?? (quick ? 100_000 : 1_000_000))
const LAYOUTS: LayoutName[] = ['plain', 'hamt', 'hamt-preload', 'sharded']
const HEADINGS: Record<LayoutName, string> = {
  plain: 'plain Zarr files',
  hamt: 'HAMT',
  'hamt-preload': 'HAMT, preloadDepth 1',
  sharded: 'sharded',
}
const READS: { key: keyof Pass; label: string }[] = [
  { key: 'series', label: 'open + time series (365 chunks)' },
  { key: 'map', label: 'one map (16 chunks)' },
  { key: 'warm', label: 'warm re-read of the series' },
]

const chainOf = (layout: LayoutName) => seriesChain(layout, { consolidated, pathReads: readOptions.pathReads })

let started = performance.now()
// The gateway runs on a thread of its own: its CPU and garbage collection are not the reader's.
const gateway = await RemoteGateway.issueDataset(consolidated)
console.log(
  `dataset: float32 ${ISSUE_GRID.shape.join('×')} in chunks of ${ISSUE_GRID.chunks.join('×')} ` +
    `(${gateway.chunks} chunks), ${consolidated ? 'consolidated metadata' : 'no consolidated metadata (--no-consolidated)'}, ` +
    `built in ${((performance.now() - started) / 1000).toFixed(1)} s on the gateway's thread`,
)
const at = { y: 40, x: 100, day: 1234 }
console.log(
  `KuboCAS trustless, concurrency ${readOptions.casConcurrency}; ${pathReadsState()}; ` +
    `store concurrency ${readOptions.storeConcurrency ?? 'default (loads bounded by the CAS)'}; ` +
    `preload depth ${readOptions.preloadDepth ?? 'default'}; prefetch shards ${readOptions.prefetchShards ?? 'default'}; ` +
    `median of ${runs} run${runs === 1 ? '' : 's'} (layouts interleaved); loopback, every answer delayed by the RTT; ` +
    'RT = round trips one after another, as the gateway saw them',
)
/** Whether the HAMT and sharded readers read paths, and whether they can. */
function pathReadsState(): string {
  if (!readOptions.pathReads) return 'path reads off (--no-path-reads: save and load only)'
  // Read off the class: a method of every instance, and no instance (nor its connections) needed to ask.
  return readsPaths(KuboCAS.prototype)
    ? 'path reads on (KuboCAS.loadPath)'
    : 'path reads on, but KuboCAS has no loadPath: block by block'
}

const checks: TargetCheck[] = []
try {
  for (const rtt of rtts) {
    await gateway.setRtt(rtt)
    const passes = new Map<LayoutName, Pass[]>(LAYOUTS.map((layout) => [layout, []]))
    const pass = (layout: LayoutName) => measurePass(layout, ISSUE_GRID, gateway, rtt, readOptions, at, valueAt)
    // A discarded pass first: connection pools filled, code paths compiled.
    for (const layout of LAYOUTS) await pass(layout)
    for (let run = 0; run < runs; run++) {
      const order = LAYOUTS.map((_, i) => LAYOUTS[(i + run) % LAYOUTS.length] as LayoutName)
      for (const layout of order) passes.get(layout)?.push(await pass(layout))
    }
    const figure = (layout: LayoutName, key: keyof Pass): Measured => {
      const all = passes.get(layout) as Pass[]
      return {
        ms: median(all.map((p) => p[key].ms)),
        requests: median(all.map((p) => p[key].requests)),
        pathReads: median(all.map((p) => p[key].pathReads)),
        chain: median(all.map((p) => p[key].chain)),
      }
    }
    console.log(`\nRTT ${rtt} ms`)
    console.log(
      `| read | ${LAYOUTS.map((l) => HEADINGS[l]).join(' | ')} | ${LAYOUTS.slice(1)
        .map((l) => `${HEADINGS[l]} ratio`)
        .join(' | ')} |`,
    )
    console.log(
      `|---|${LAYOUTS.map(() => '---|').join('')}${LAYOUTS.slice(1)
        .map(() => '---|')
        .join('')}`,
    )
    for (const { key, label } of READS) {
      const plain = figure('plain', key)
      const cells = LAYOUTS.map((layout) => {
        const f = figure(layout, key)
        const paths = f.pathReads > 0 ? ` (${f.pathReads} path)` : ''
        return `${f.ms.toFixed(0)} ms, ${f.requests} req${paths}${Number.isNaN(f.chain) ? '' : `, ${f.chain} RT`}`
      })
      const ratio = (layout: LayoutName) => `${(figure(layout, key).ms / plain.ms).toFixed(2)}×`
      console.log(`| ${label} | ${cells.join(' | ')} | ${LAYOUTS.slice(1).map(ratio).join(' | ')} |`)
    }
    if (rtt > 0) checks.push(...readChecks(rtt, figure))
  }
} finally {
  await gateway.close()
}

/** Issue 9's targets for the reads at one RTT. */
function readChecks(rtt: number, figure: (layout: LayoutName, key: keyof Pass) => Measured): TargetCheck[] {
  const out: TargetCheck[] = []
  const limits: Record<Exclude<LayoutName, 'plain'>, number> = { sharded: 1.2, hamt: 1.3, 'hamt-preload': 1.3 }
  for (const layout of ['sharded', 'hamt', 'hamt-preload'] as const) {
    for (const key of ['series', 'map', 'warm'] as const) {
      const plain = figure('plain', key)
      const mine = figure(layout, key)
      // The series' chain is the format's (measured chains count waves stretched by CPU as well);
      // the other reads' chains are as measured.
      const [chain, plainChain, why] =
        key === 'series'
          ? [
              chainOf(layout).length,
              chainOf('plain').length,
              `${chainOf(layout).length} round trips (${chainOf(layout).join(', ')}; plain files 2)`,
            ]
          : [mine.chain, plain.chain, `${mine.chain} round trips as measured (plain files ${plain.chain})`]
      out.push({
        label: `${HEADINGS[layout]}, ${READS.find((r) => r.key === key)?.label}, ${rtt} ms`,
        measured: mine.ms / plain.ms,
        limit: key === 'warm' ? 1.05 : limits[layout],
        unit: '×',
        bound: roundTripBound(plain.ms, chain, plainChain, rtt),
        boundWhy: why,
      })
    }
  }
  return out
}

if (args['skip-cold'] !== true) {
  started = performance.now()
  const rtt = Math.max(...rtts)
  const colds = await measureColdOpen(
    coldChunks,
    rtt,
    { casConcurrency: readOptions.casConcurrency, consolidated, pathReads: readOptions.pathReads },
    [0, 1, 0, 1],
  )
  const first = colds[0] as ColdOpen
  console.log(
    `\ncold open of a ${first.chunks.toLocaleString('en')}-chunk HAMT at ${rtt} ms, to the first chunk (built and read in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s); the chunk's path holds ${first.depth} nodes, ` +
      `${first.metadataKey}'s ${first.metadataDepth}${consolidated ? ' (consolidated: the open waits for the root group’s)' : ''}; ` +
      `target depth + 2 = ${first.depth + 2} RTT`,
  )
  for (const cold of colds) {
    console.log(
      `  preloadDepth ${cold.preloadDepth}: ${cold.ms.toFixed(0)} ms = ${cold.roundTrips.toFixed(1)} RTT, ` +
        `${cold.requests} requests${cold.pathReads > 0 ? ` (${cold.pathReads} path)` : ''}, ${cold.chain} RT one after another`,
    )
  }
  for (const preloadDepth of [0, 1]) {
    const mine = colds.filter((cold) => cold.preloadDepth === preloadDepth)
    // The metadata's nodes and its value, then the chunk's nodes below what is already loaded (the
    // root, and level 1 with the preload), and the chunk. Path reads fetch each chain in one request.
    const loaded = preloadDepth + 1
    const chunkNodes = Math.max(0, first.depth - loaded)
    const trips = readOptions.pathReads ? 2 + (chunkNodes > 0 ? 1 : 0) + 1 : first.metadataDepth + 1 + chunkNodes + 1
    checks.push({
      label: `cold open of ${first.chunks.toLocaleString('en')} chunks to the first chunk, preloadDepth ${preloadDepth}, ${rtt} ms`,
      measured: median(mine.map((cold) => cold.roundTrips)),
      limit: first.depth + 2,
      unit: ' RTT',
      bound: trips,
      boundWhy: readOptions.pathReads
        ? `the root with ${first.metadataKey}'s nodes, its value, the chunk's ${chunkNodes} nodes below ` +
          `${preloadDepth === 0 ? 'the root' : 'level 1'} in one request, and the chunk`
        : `${first.metadataKey}'s ${first.metadataDepth} nodes and its value, then the chunk's ${chunkNodes} nodes ` +
          `below ${preloadDepth === 0 ? 'the root' : 'level 1'}, and the chunk`,
    })
  }
}

console.log(`\nTargets (issue 9; ratios are time against plain Zarr files at the same RTT, medians)`)
console.log(targetsTable(checks))
