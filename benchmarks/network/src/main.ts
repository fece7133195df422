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
 */
import { parseArgs } from 'node:util'
import { measureColdOpen } from './cold.js'
import { buildDataset, ISSUE_GRID, valueAt } from './dataset.js'
import { type LayoutName, type Measured, measurePass, median, type Pass } from './reads.js'
import { DelayedGateway } from './server.js'

const { values: args } = parseArgs({
  // pnpm passes the `--` of `pnpm bench -- --quick` on: drop it, or every option after it is ignored.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
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
  },
})
const quick = args.quick === true
const rtts = (args.rtt ?? (quick ? '40' : '40,100')).split(',').map(Number)
const runs = Number(args.runs ?? (quick ? 1 : 3))
const readOptions = {
  casConcurrency: Number(args['cas-concurrency']),
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

let started = performance.now()
const dataset = await buildDataset(ISSUE_GRID)
console.log(
  `dataset: float32 ${ISSUE_GRID.shape.join('×')} in chunks of ${ISSUE_GRID.chunks.join('×')} ` +
    `(${dataset.files.size - 2} chunks), built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
)
const gateway = await new DelayedGateway({
  rttMs: 0,
  blocks: (cid) => dataset.cas.load(cid).catch(() => undefined),
  files: dataset.files,
}).start()
const at = { y: 40, x: 100, day: 1234 }
console.log(
  `KuboCAS trustless, concurrency ${readOptions.casConcurrency}; store concurrency ${readOptions.storeConcurrency ?? 'default (loads bounded by the CAS)'}; ` +
    `preload depth ${readOptions.preloadDepth ?? 'default'}; prefetch shards ${readOptions.prefetchShards ?? 'default'}; ` +
    `median of ${runs} run${runs === 1 ? '' : 's'} (layouts interleaved); loopback, every answer delayed by the RTT`,
)
try {
  for (const rtt of rtts) {
    gateway.rttMs = rtt
    const passes = new Map<LayoutName, Pass[]>(LAYOUTS.map((layout) => [layout, []]))
    // A discarded pass first: connection pools filled, code paths compiled.
    for (const layout of LAYOUTS) await measurePass(layout, dataset, gateway, readOptions, at, valueAt)
    for (let run = 0; run < runs; run++) {
      const order = LAYOUTS.map((_, i) => LAYOUTS[(i + run) % LAYOUTS.length] as LayoutName)
      for (const layout of order) {
        passes.get(layout)?.push(await measurePass(layout, dataset, gateway, readOptions, at, valueAt))
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
      const figure = (layout: LayoutName): Measured => {
        const all = passes.get(layout) as Pass[]
        return { ms: median(all.map((p) => p[key].ms)), requests: median(all.map((p) => p[key].requests)) }
      }
      const plain = figure('plain')
      const cells = LAYOUTS.map((layout) => {
        const f = figure(layout)
        return `${f.ms.toFixed(0)} ms, ${f.requests} req`
      })
      const ratio = (layout: LayoutName) => `${(figure(layout).ms / plain.ms).toFixed(2)}×`
      console.log(`| ${label} | ${cells.join(' | ')} | ${LAYOUTS.slice(1).map(ratio).join(' | ')} |`)
    }
  }
} finally {
  await gateway.close()
}

if (args['skip-cold'] !== true) {
  started = performance.now()
  const rtt = Math.max(...rtts)
  const colds = await measureColdOpen(coldChunks, rtt, readOptions.casConcurrency, [0, 1, 0, 1])
  const first = colds[0] as (typeof colds)[number]
  console.log(
    `\ncold open of a ${first.chunks.toLocaleString('en')}-chunk HAMT at ${rtt} ms, to the first chunk (built and read in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s); the chunk's path holds ${first.depth} nodes, ` +
      `zarr.json's ${first.metadataDepth}; target depth + 2 = ${first.depth + 2} RTT`,
  )
  for (const cold of colds) {
    console.log(
      `  preloadDepth ${cold.preloadDepth}: ${cold.ms.toFixed(0)} ms = ${cold.roundTrips.toFixed(1)} RTT, ${cold.requests} requests`,
    )
  }
}
