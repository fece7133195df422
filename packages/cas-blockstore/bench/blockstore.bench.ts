/**
 * BlockstoreCAS on MemoryBlockstore and on blockstore-fs (a temporary directory) against InMemoryCAS,
 * in the same run: a HAMT of small values built and committed, then every value read back cold; and
 * one large value (a UnixFS file) saved and read back, against hashing the same bytes once with
 * BLAKE3 (the least any store must do).
 *
 *   pnpm --filter @hamt/cas-blockstore bench      (BENCH_ENTRIES=2000 BENCH_MIB=16 for a quicker run)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InMemoryCAS } from '@hamt/cas-memory'
import { blake3Cid, type ContentAddressedStore, HAMT } from '@hamt/core'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { FsBlockstore } from 'blockstore-fs'
import { randomBytes as bytes } from '../../../tools/test-support/random-bytes.js'
import { BlockstoreCAS } from '../src/index.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000)
const MIB = Number(process.env.BENCH_MIB ?? 64)

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const result = await fn()
  return [result, performance.now() - start]
}

async function hamtRun(cas: ContentAddressedStore): Promise<{ buildMs: number; getMs: number; root: string }> {
  const [root, buildMs] = await time(async () => {
    const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
    for (let i = 0; i < ENTRIES; i++) await hamt.set(`k${i}`, bytes(64, i + 1))
    await hamt.makeReadOnly()
    return hamt.rootNodeId
  })
  const [, getMs] = await time(async () => {
    const reader = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
    for (let i = 0; i < ENTRIES; i++) await reader.get(`k${i}`)
  })
  return { buildMs, getMs, root: root.toString() }
}

const dir = await mkdtemp(join(tmpdir(), 'hamt-bench-blockstore-'))
try {
  const fs = new FsBlockstore(dir)
  await fs.open()
  const stores: [string, ContentAddressedStore][] = [
    ['InMemoryCAS (baseline)', new InMemoryCAS()],
    ['BlockstoreCAS on MemoryBlockstore', new BlockstoreCAS(new MemoryBlockstore())],
    ['BlockstoreCAS on blockstore-fs', new BlockstoreCAS(fs)],
  ]
  console.log(`HAMT of ${ENTRIES.toLocaleString('en-US')} values of 64 bytes: build + commit, then every get cold`)
  let baseline: { buildMs: number; getMs: number; root: string } | undefined
  for (const [name, cas] of stores) {
    const result = await hamtRun(cas)
    baseline ??= result
    if (result.root !== baseline.root) throw new Error(`${name} gave root ${result.root}, not ${baseline.root}`)
    console.log(
      `  ${name.padEnd(34)} build ${result.buildMs.toFixed(0).padStart(6)} ms (×${(result.buildMs / baseline.buildMs).toFixed(2)}), ` +
        `gets ${result.getMs.toFixed(0).padStart(6)} ms (×${(result.getMs / baseline.getMs).toFixed(2)})`,
    )
  }

  const big = bytes(MIB * 1_048_576, 7)
  const [, hashMs] = await time(async () => blake3Cid(big, 'raw'))
  console.log(
    `One value of ${MIB} MiB (a UnixFS file of ${MIB} leaves); baseline: BLAKE3 of it once, ${hashMs.toFixed(0)} ms`,
  )
  for (const [name, cas] of stores) {
    const [cid, saveMs] = await time(() => cas.save(big, 'raw'))
    const [, loadMs] = await time(() => cas.load(cid))
    const [, rangeMs] = await time(() => cas.load(cid, { offset: big.length / 2, length: 1000 }))
    console.log(
      `  ${name.padEnd(34)} save ${saveMs.toFixed(0).padStart(5)} ms (×${(saveMs / hashMs).toFixed(2)}, ` +
        `${(MIB / (saveMs / 1000)).toFixed(0)} MiB/s), load ${loadMs.toFixed(0).padStart(5)} ms, ` +
        `1000-byte range ${rangeMs.toFixed(1)} ms`,
    )
  }
  await fs.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
