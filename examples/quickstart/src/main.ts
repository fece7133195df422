/**
 * A key-value HAMT on the in-memory store: write, commit, reopen read-only by root CID, read,
 * delete, iterate, with timings.
 *
 *   npx -y pnpm@10.34.9 --filter quickstart start [-- --entries 100000]
 */
import { parseArgs } from 'node:util'
import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'

const USAGE = 'usage: npx -y pnpm@10.34.9 --filter quickstart start [-- --entries N]'
const args = (() => {
  try {
    return parseArgs({
      args: scriptArgs(),
      options: { entries: { type: 'string', default: '100000' } },
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
})()
const entries = Number(args.entries)
if (!Number.isSafeInteger(entries) || entries < 10) {
  console.error(`--entries must be an integer of at least 10, got ${JSON.stringify(args.entries)}`)
  process.exit(2)
}

const utf8 = new TextEncoder()
const text = new TextDecoder()
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
/** Reads in flight at once: read-only mode serves any number concurrently. */
const READ_BATCH = 256

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const result = await fn()
  return [result, (performance.now() - start) / 1000]
}

function rate(count: number, seconds: number, unit: string): string {
  return `${fmt.format(count)} ${unit} in ${seconds.toFixed(2)} s (${fmt.format(count / seconds)}/s)`
}

const cas = new InMemoryCAS()
console.log(`quickstart: a key-value HAMT on the in-memory store, ${fmt.format(entries)} entries`)

// 1. Write: every value is saved as its own block; the tree changes stay in memory until committed.
const [root, writeSeconds] = await timed(async () => {
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  for (let i = 0; i < entries; i++) await hamt.set(`k${i}`, utf8.encode(`v${i}`))
  // 2. Commit: saves the changed nodes and fixes the root CID, the one thing needed to reopen it.
  await hamt.makeReadOnly()
  return hamt.rootNodeId
})
console.log(`Wrote and committed ${rate(entries, writeSeconds, 'entries')}`)
console.log(`Root CID: ${root}`)

// 3. Reopen read-only by root CID and read every entry back, many reads at a time.
const reader = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
const [, readSeconds] = await timed(async () => {
  for (let start = 0; start < entries; start += READ_BATCH) {
    const end = Math.min(entries, start + READ_BATCH)
    const reads = []
    for (let i = start; i < end; i++) reads.push(reader.get(`k${i}`))
    const values = await Promise.all(reads)
    values.forEach((value, j) => {
      const expected = `v${start + j}`
      if (value === undefined || text.decode(value) !== expected) {
        throw new Error(`k${start + j} should hold ${expected}, got ${value && text.decode(value)}`)
      }
    })
  }
})
console.log(`Reopened read-only and read back ${rate(entries, readSeconds, 'entries')}; all match`)
const sample = await reader.get('k42')
console.log(`get("k42") -> "${sample && text.decode(sample)}", get("nope") -> ${await reader.get('nope')}`)

// 4. Delete: switch back to write mode, remove keys, commit again for a new root.
const deleted = Math.min(10, entries)
await reader.enableWrite()
const [, deleteSeconds] = await timed(async () => {
  for (let i = 0; i < deleted; i++) {
    if (!(await reader.delete(`k${i}`))) throw new Error(`k${i} was missing`)
  }
  await reader.makeReadOnly()
})
console.log(
  `Deleted k0..k${deleted - 1} in ${(deleteSeconds * 1000).toFixed(1)} ms; new root CID: ${reader.rootNodeId}`,
)
const before = await HAMT.build({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
console.log(
  `has("k0") -> ${await reader.has('k0')} now, ${await before.has('k0')} at the old root: blocks are never changed`,
)

// 5. Iterate: walks the whole tree; order is the tree's, not insertion order.
const [count, iterateSeconds] = await timed(async () => {
  let n = 0
  for await (const _key of reader.keys()) n++
  return n
})
if (count !== entries - deleted) throw new Error(`iterated ${count} keys, expected ${entries - deleted}`)
console.log(`Iterated ${rate(count, iterateSeconds, 'keys')}`)
const firstThree: string[] = []
for await (const [key, value] of reader.entries()) {
  firstThree.push(`${key}=${text.decode(value)}`)
  if (firstThree.length === 3) break
}
console.log(`First entries in tree order: ${firstThree.join(', ')}`)
console.log(`Store: ${fmt.format(cas.blockCount)} blocks, ${(cas.byteLength / 1e6).toFixed(2)} MB`)

/** The script's arguments; `pnpm start -- --flag` passes the `--` on, and it means nothing here. */
function scriptArgs(): string[] {
  const args = process.argv.slice(2)
  return args[0] === '--' ? args.slice(1) : args
}
