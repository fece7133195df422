/**
 * A HAMT on the file-system store. The first run writes N entries and records the root CID under a
 * name; every later run finds that name, reopens the HAMT from disk and checks every entry.
 *
 *   npx -y pnpm@10.34.9 --filter custom-cas start [-- --entries 10000] [--data-dir DIR] [--reset]
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { HAMT } from '@hamt/core'
import { FileSystemCAS } from './index.js'

const REF = 'custom-cas-demo'
const BATCH = 64
const utf8 = new TextEncoder()
const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

const USAGE = 'usage: npx -y pnpm@10.34.9 --filter custom-cas start [-- --entries N] [--data-dir DIR] [--reset]'
const args = (() => {
  try {
    return parseArgs({
      args: scriptArgs(),
      options: {
        entries: { type: 'string', default: '10000' },
        'data-dir': { type: 'string' },
        reset: { type: 'boolean', default: false },
      },
    }).values
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
})()
const entries = Number(args.entries)
if (!Number.isSafeInteger(entries) || entries < 1) {
  console.error(`--entries must be a positive integer, got ${JSON.stringify(args.entries)}`)
  process.exit(2)
}
const exampleDir = fileURLToPath(new URL('..', import.meta.url))
const dataDir = path.resolve(args['data-dir'] ?? process.env.HAMT_DATA_DIR ?? path.join(exampleDir, '.hamt-data'))
const directory = path.join(dataDir, 'custom-cas')

if (args.reset) await rm(directory, { recursive: true, force: true })
const cas = new FileSystemCAS({ directory })
console.log(`custom-cas: a HAMT on a file-system content-addressed store in ${directory}`)

const saved = await cas.getRef(REF)
if (saved === undefined) {
  console.log(`No saved HAMT yet: writing ${fmt.format(entries)} entries (k{i} -> bytes "v{i}")`)
  const start = performance.now()
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  // Writes in batches: each set saves its value block at once, so a batch's files are written in
  // parallel while the tree updates still apply in call order.
  for (let start = 0; start < entries; start += BATCH) {
    const batch = []
    for (let i = start; i < Math.min(entries, start + BATCH); i++) batch.push(hamt.set(`k${i}`, utf8.encode(`v${i}`)))
    await Promise.all(batch)
  }
  await hamt.makeReadOnly()
  const seconds = (performance.now() - start) / 1000
  await cas.setRef(REF, hamt.rootNodeId)
  console.log(
    `Wrote ${fmt.format(entries)} entries in ${seconds.toFixed(2)} s (${fmt.format(entries / seconds)} entries/s)`,
  )
  console.log(`Root CID: ${hamt.rootNodeId}`)
  console.log(`Saved the root as ref "${REF}". Run the demo again to reopen it from disk.`)
} else {
  console.log(`Found the HAMT saved by an earlier run: root CID ${saved}`)
  const start = performance.now()
  const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: saved, readOnly: true, valuesAreBytes: true })
  const decoder = new TextDecoder()
  let count = 0
  for await (const [key, value] of hamt.entries()) {
    if (decoder.decode(value) !== `v${key.slice(1)}`) throw new Error(`${key} holds ${decoder.decode(value)}`)
    count++
  }
  const seconds = (performance.now() - start) / 1000
  console.log(
    `Reopened it read-only and checked ${fmt.format(count)} entries in ${seconds.toFixed(2)} s; ` +
      'every block was verified against its CID',
  )
}
const stats = await cas.stats()
console.log(`Store: ${fmt.format(stats.blocks)} blocks, ${(stats.bytes / 1e6).toFixed(2)} MB`)

/** The script's arguments; `pnpm start -- --flag` passes the `--` on, and it means nothing here. */
function scriptArgs(): string[] {
  const args = process.argv.slice(2)
  return args[0] === '--' ? args.slice(1) : args
}
