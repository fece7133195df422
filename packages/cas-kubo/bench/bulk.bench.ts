/**
 * Writing a HAMT to a local IPFS node (Kubo if available, else the js-ipfs test node): one
 * `/api/v0/add` per block (the default) against CAR batches through `/api/v0/dag/import`
 * (`bulkWrites`), in the same run, with the same entries; both roots must match.
 *
 *   pnpm --filter @hamt/cas-kubo bench:bulk          (BENCH_ENTRIES=2000 for a quicker run)
 */
import { type ByteRange, type CallOptions, type CID, type Codec, type ContentAddressedStore, HAMT } from '@hamt/core'
import { startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { KuboCAS, type KuboCASOptions } from '../src/index.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000)

/** Counts the blocks a store is asked to save. */
class Counting implements ContentAddressedStore {
  saves = 0
  constructor(readonly inner: ContentAddressedStore) {}
  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    this.saves++
    return this.inner.save(data, codec, options)
  }
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.inner.load(id, range, options)
  }
}

interface Result {
  name: string
  blocks: number
  ms: number
  root: string
}

async function run(name: string, options: KuboCASOptions): Promise<Result> {
  const cas = new KuboCAS(options)
  const counting = new Counting(cas)
  const started = performance.now()
  const hamt = await HAMT.build<{ i: number; label: string }>({ cas: counting })
  await Promise.all(Array.from({ length: ENTRIES }, (_, i) => hamt.set(`key-${i}`, { i, label: `value ${i}` })))
  await hamt.makeReadOnly()
  const ms = performance.now() - started
  await cas.close()
  return { name, blocks: counting.saves, ms, root: hamt.rootNodeId.toString() }
}

const node = await startIpfsNode()
try {
  console.log(`IPFS node: ${node.implementation}; a HAMT of ${ENTRIES} entries, built and committed\n`)
  const base = { rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl }
  const add = await run('add per block', base)
  const bulk = await run('dag/import batches', { ...base, bulkWrites: true })
  if (add.root !== bulk.root) throw new Error(`roots differ: ${add.root} vs ${bulk.root}`)
  console.log('path               | blocks | s      | blocks/s')
  for (const r of [add, bulk]) {
    console.log(
      `${r.name.padEnd(18)} | ${String(r.blocks).padStart(6)} | ${(r.ms / 1000).toFixed(2).padStart(6)} | ` +
        `${((r.blocks / r.ms) * 1000).toFixed(0)}`,
    )
  }
  console.log(`\nsame root ${add.root}; dag/import batches ×${(add.ms / bulk.ms).toFixed(2)} faster than add per block`)
} finally {
  await node.stop()
}
