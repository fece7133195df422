/**
 * exportCar and importCar on a HAMT in memory, against the plainest use of @ipld/car in the same
 * process: every block collected up front and handed to CarWriter (export), CarReader over the whole
 * file and one save per block with no check (import). The ratio is the price of walking in bounded
 * memory and checking every block.
 *
 *   pnpm --filter @hamt/car bench          (BENCH_ENTRIES=20000 for a quicker run)
 */
import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { CarReader } from '@ipld/car/reader'
import { CarWriter } from '@ipld/car/writer'
import { exportCar, importCar, walkDag } from '../src/index.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000)

async function concat(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of chunks) parts.push(part)
  return Buffer.concat(parts)
}

async function time<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now()
  const result = await run()
  return { ms: performance.now() - started, result }
}

const cas = new InMemoryCAS()
const utf8 = new TextEncoder()
const hamt = await HAMT.fromEntries<Uint8Array>(
  Array.from({ length: ENTRIES }, (_, i) => [`key-${i}`, utf8.encode(`value-${i}`.repeat(10))] as const),
  { cas, valuesAreBytes: true },
)
const root = hamt.rootNodeId
console.log(`${ENTRIES} keys, ${cas.blockCount} blocks, ${(cas.byteLength / 1e6).toFixed(1)} MB`)

const baselineExport = await time(async () => {
  const blocks = []
  for await (const block of walkDag(cas, root, { verify: false })) blocks.push(block)
  const { writer, out } = CarWriter.create([root])
  const bytes = concat(out)
  for (const block of blocks) await writer.put(block)
  await writer.close()
  return bytes
})
const ours = await time(() => concat(exportCar(cas, root)))
console.log(
  `export: exportCar ${ours.ms.toFixed(0)} ms, collect + CarWriter ${baselineExport.ms.toFixed(0)} ms ` +
    `(ratio ${(ours.ms / baselineExport.ms).toFixed(2)}), ${((cas.blockCount / ours.ms) * 1000).toFixed(0)} blocks/s`,
)

const car = ours.result
const baselineImport = await time(async () => {
  const target = new InMemoryCAS()
  const reader = await CarReader.fromBytes(car)
  for await (const block of reader.blocks()) await target.putBlock(block.cid, block.bytes)
  return target
})
const ourImport = await time(async () => {
  const target = new InMemoryCAS()
  await importCar(target, car)
  return target
})
console.log(
  `import: importCar ${ourImport.ms.toFixed(0)} ms, CarReader + putBlock unchecked ${baselineImport.ms.toFixed(0)} ms ` +
    `(ratio ${(ourImport.ms / baselineImport.ms).toFixed(2)}), ${((cas.blockCount / ourImport.ms) * 1000).toFixed(0)} blocks/s`,
)
