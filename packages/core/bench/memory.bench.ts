/**
 * Prints what bounding memory costs: heap held by the HAMT and throughput, for N entries on the
 * in-memory store, unbounded and at cacheMaxBytes 64 MiB and 8 MiB, in write mode and read-only mode.
 * Run with --expose-gc (the package's bench script does).
 *
 *   pnpm --filter @hamt/core bench                                   # N = 100,000 and 1,000,000
 *   BENCH_MEMORY_N=20000 node --expose-gc --conditions=hamt-source --import tsx bench/memory.bench.ts
 *
 * Heap is V8's heapUsed plus its ArrayBuffers (a read-only node is its block's bytes) after a full
 * collection, with the HAMT alive less with it gone (or, while
 * fromEntries runs, less the store's own growth), so the store's blocks are not counted.
 */

import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { type CID, HAMT } from '../src/index.js'

const gcFn = (globalThis as { gc?: () => void }).gc
if (gcFn === undefined) throw new Error('run with node --expose-gc')
const gc: () => void = gcFn
const MiB = 1024 * 1024
const SIZES = (process.env.BENCH_MEMORY_N ?? '100000,1000000').split(',').map(Number)
const BUDGETS: [string, number][] = [
  ['unbounded', Number.POSITIVE_INFINITY],
  ['64 MiB', 64 * MiB],
  ['8 MiB', 8 * MiB],
]
/** Gets per read-only run, and sets added to a committed tree per write run: at most this many… */
const SAMPLE = 50_000
const INCREMENT = 20_000
/** …or as many as fit in this time, so slow bounded runs stay short. */
const TIME_BOX_MS = 6_000

let gcTime = 0
function heap(): number {
  const start = performance.now()
  gc()
  gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  const used = heapUsed + arrayBuffers
  gcTime += performance.now() - start
  return used
}

const utf8 = new TextEncoder()
const keyOf = (i: number) => `k${i}`
const valueFor = (i: number) => utf8.encode(`v${i}`)

function shuffled(n: number, count: number): number[] {
  const out: number[] = []
  for (let i = 0, seed = 1; i < count; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    out.push(seed % n)
  }
  return out
}

interface Row {
  what: string
  /** The `what` of the unbounded row this one's rate is compared with. */
  baseline: string
  budget: string
  heap: number
  perEntry: number
  rate: number
  note?: string
}

const fmtMiB = (b: number) => `${(b / MiB).toFixed(1)} MiB`
const fmtRate = (r: number) => `${Math.round(r).toLocaleString('en-US')}/s`

function print(n: number, rows: Row[]): void {
  console.log(`\n@hamt/core memory, ${n.toLocaleString('en-US')} entries (in-memory store)`)
  console.log(
    `${'run'.padEnd(38)} ${'cacheMaxBytes'.padEnd(13)} ${'heap'.padStart(11)} ${'B/entry'.padStart(8)} ${'rate'.padStart(11)}  vs unbounded`,
  )
  const base = new Map<string, number>()
  for (const row of rows) if (row.budget === 'unbounded') base.set(row.what, row.rate)
  for (const row of rows) {
    const ref = base.get(row.baseline)
    const ratio = ref === undefined || row.budget === 'unbounded' ? '' : `${(row.rate / ref).toFixed(2)}×`
    console.log(
      `${row.what.padEnd(38)} ${row.budget.padEnd(13)} ${fmtMiB(row.heap).padStart(11)} ${row.perEntry.toFixed(0).padStart(8)} ${fmtRate(row.rate).padStart(11)}  ${ratio}${row.note ? `  ${row.note}` : ''}`,
    )
  }
}

/**
 * The store's own memory per block beyond the block's bytes (its table entry, the block's length and
 * multihash, arena slack), to leave out of the HAMT's figures with the bytes themselves. Measured
 * once, while the heap is small and quiet.
 */
async function storeOverheadPerBlock(): Promise<number> {
  const probe = new InMemoryCAS()
  const before = heap()
  for (let i = 0; i < 5000; i++) await probe.save(utf8.encode(`chunk ${i} `.repeat(20)), 'dag-cbor')
  const bytes = (heap() - before - probe.byteLength) / 5000
  if (probe.blockCount !== 5000) throw new Error('probe lost blocks')
  return bytes
}
const perBlock = await storeOverheadPerBlock()

/** What `cas` has grown by since `blocks` blocks of `bytes` bytes: not the HAMT's memory. */
function storeGrowth(cas: InMemoryCAS, since: { blocks: number; bytes: number }): number {
  return cas.byteLength - since.bytes + (cas.blockCount - since.blocks) * perBlock
}

/** Where `cas` stands, for {@link storeGrowth}. */
function storeMark(cas: InMemoryCAS): { blocks: number; bytes: number } {
  return { blocks: cas.blockCount, bytes: cas.byteLength }
}

async function benchSize(n: number): Promise<void> {
  const rows: Row[] = []
  const cas = new InMemoryCAS()
  // Values saved up front, so the store grows only by node blocks from here on.
  for (let i = 0; i < n + INCREMENT; i++) await cas.save(valueFor(i), 'raw')

  // Write mode, set() one by one, unbounded: the baseline.
  let root: CID
  {
    let writer: HAMT<Uint8Array> | undefined = await HAMT.build<Uint8Array>({
      cas,
      valuesAreBytes: true,
      cacheMaxBytes: Number.POSITIVE_INFINITY,
    })
    gcTime = 0
    const start = performance.now()
    for (let i = 0; i < n; i++) await writer.set(keyOf(i), valueFor(i))
    const loaded = heap()
    const mark = storeMark(cas)
    await writer.makeReadOnly()
    const seconds = (performance.now() - start - gcTime) / 1000
    root = writer.rootNodeId
    // The commit grew the store; that is not the HAMT letting go.
    const held = loaded - heap() + storeGrowth(cas, mark)
    writer = undefined
    rows.push({
      what: 'write: set() all + commit',
      baseline: '',
      budget: 'unbounded',
      heap: held,
      perEntry: held / n,
      rate: n / seconds,
    })
  }
  const nodeBlocks = cas.blockCount - n - INCREMENT

  // Write mode, HAMT.fromEntries: ordered by hash, built bottom-up in bounded memory. Its rates are
  // compared with set()'s unbounded one.
  for (const [budget, bytes] of BUDGETS.slice(1)) {
    const blocksBefore = cas.blockCount
    const mark = storeMark(cas)
    const base = heap()
    let most = 0
    // Sampled from a timer (fromEntries lets timers run), during partitioning and building alike, and
    // every tenth of the entries read: a build takes a second or a few, so a sparse timer saw none of it.
    const sample = (): void => {
      most = Math.max(most, heap() - storeGrowth(cas, mark) - base)
    }
    const sampler = setInterval(sample, n >= 1_000_000 ? 1000 : 100)
    async function* entries(): AsyncGenerator<readonly [string, Uint8Array]> {
      for (let i = 0; i < n; i++) {
        if (i % Math.ceil(n / 10) === 0) sample()
        yield [keyOf(i), valueFor(i)]
      }
    }
    gcTime = 0
    const start = performance.now()
    const built = await HAMT.fromEntries<Uint8Array>(entries(), { cas, valuesAreBytes: true, cacheMaxBytes: bytes })
    clearInterval(sampler)
    const seconds = (performance.now() - start - gcTime) / 1000
    if (!built.rootNodeId.equals(root)) throw new Error('fromEntries gave another root')
    const scratch = cas.blockCount - blocksBefore
    rows.push({
      what: 'write: fromEntries() all (commits)',
      baseline: 'write: set() all + commit',
      budget,
      heap: most,
      perEntry: most / n,
      rate: n / seconds,
      note: `+${scratch.toLocaleString('en-US')} scratch and intermediate blocks`,
    })
  }

  // Write mode, set() into the committed tree: steady-state writes with the tree bounded.
  for (const [budget, bytes] of BUDGETS) {
    let writer: HAMT<Uint8Array> | undefined = await HAMT.build<Uint8Array>({
      cas,
      rootNodeId: root,
      valuesAreBytes: true,
      cacheMaxBytes: bytes,
    })
    const blocksBefore = cas.blockCount
    gcTime = 0
    const start = performance.now()
    let done = 0
    while (done < INCREMENT && performance.now() - start < TIME_BOX_MS) {
      await writer.set(keyOf(n + done), valueFor(n + done))
      done++
    }
    const seconds = (performance.now() - start - gcTime) / 1000
    const loaded = heap()
    const mark = storeMark(cas)
    await writer.makeReadOnly()
    const held = loaded - heap() + storeGrowth(cas, mark)
    writer = undefined
    rows.push({
      what: 'write: set() more into the tree',
      baseline: 'write: set() more into the tree',
      budget,
      heap: held,
      perEntry: held / n,
      rate: done / seconds,
      note: `${done.toLocaleString('en-US')} sets, +${(cas.blockCount - blocksBefore).toLocaleString('en-US')} node blocks (final and intermediate)`,
    })
  }

  // Read-only: random gets, then heap with the cache as the gets left it.
  const picks = shuffled(n, Math.min(n, SAMPLE))
  for (const [budget, bytes] of BUDGETS) {
    let reader: HAMT<Uint8Array> | undefined = await HAMT.build<Uint8Array>({
      cas,
      rootNodeId: root,
      readOnly: true,
      valuesAreBytes: true,
      cacheMaxBytes: bytes,
    })
    const base = heap()
    const start = performance.now()
    let done = 0
    for (const i of picks) {
      if ((await reader.get(keyOf(i))) === undefined) throw new Error(`lost ${keyOf(i)}`)
      if (++done % 100 === 0 && performance.now() - start > TIME_BOX_MS) break
    }
    const seconds = (performance.now() - start) / 1000
    const held = heap() - base
    const reported = await reader.cacheSize()
    reader = undefined
    rows.push({
      what: 'read-only: random gets',
      baseline: 'read-only: random gets',
      budget,
      heap: held,
      perEntry: held / n,
      rate: done / seconds,
      note: `${done.toLocaleString('en-US')} gets, cacheSize() ${fmtMiB(reported)}`,
    })
  }
  print(n, rows)
  console.log(
    `tree: ${nodeBlocks.toLocaleString('en-US')} node blocks; store overhead ~${perBlock.toFixed(0)} B a block beside its bytes`,
  )
}

for (const n of SIZES) await benchSize(n)
