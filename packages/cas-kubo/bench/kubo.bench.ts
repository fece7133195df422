/**
 * KuboCAS against a local IPFS node (Kubo if available, else the js-ipfs test node): a HAMT build and
 * flush, then random gets from a cold read-only HAMT, with the default concurrency and with
 * concurrency 1 (one request at a time, as py-hamt's flush does), in the same run.
 *
 *   pnpm --filter @hamt/cas-kubo bench          (BENCH_ENTRIES=2000 for a quicker run)
 */
import { type ByteRange, type CallOptions, type CID, type Codec, type ContentAddressedStore, HAMT } from '@hamt/core'
import { startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { KuboCAS } from '../src/index.js'

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 10_000)
const GETS = Number(process.env.BENCH_GETS ?? ENTRIES)

/** Counts the requests a store makes. */
class Counting implements ContentAddressedStore {
  requests = 0
  constructor(readonly inner: ContentAddressedStore) {}
  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    this.requests++
    return this.inner.save(data, codec, options)
  }
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.requests++
    return this.inner.load(id, range, options)
  }
}

interface Result {
  concurrency: number
  buildRequests: number
  buildMs: number
  getRequests: number
  getMs: number
}

async function run(rpcBaseUrl: string, gatewayBaseUrl: string, concurrency: number): Promise<Result> {
  const writer = new KuboCAS({ rpcBaseUrl, gatewayBaseUrl, concurrency })
  const counting = new Counting(writer)
  let started = performance.now()
  const hamt = await HAMT.build<{ i: number; label: string }>({ cas: counting })
  await Promise.all(Array.from({ length: ENTRIES }, (_, i) => hamt.set(`key-${i}`, { i, label: `value ${i}` })))
  await hamt.makeReadOnly()
  const buildMs = performance.now() - started
  const buildRequests = counting.requests
  await writer.close()

  const reader = new KuboCAS({ gatewayBaseUrl, concurrency })
  const coldCounting = new Counting(reader)
  const cold = await HAMT.build<{ i: number }>({ cas: coldCounting, rootNodeId: hamt.rootNodeId, readOnly: true })
  let seed = 12345
  const picks = Array.from({ length: GETS }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % ENTRIES
  })
  started = performance.now()
  const values = await Promise.all(picks.map((i) => cold.get(`key-${i}`)))
  const getMs = performance.now() - started
  values.forEach((value, j) => {
    if (value?.i !== picks[j]) throw new Error(`wrong value for key-${picks[j]}`)
  })
  await reader.close()
  return { concurrency, buildRequests, buildMs, getRequests: coldCounting.requests, getMs }
}

const node = await startIpfsNode()
try {
  console.log(`IPFS node: ${node.implementation}; ${ENTRIES} entries, ${GETS} random gets\n`)
  const results: Result[] = []
  for (const concurrency of [32, 1]) results.push(await run(node.rpcUrl, node.gatewayUrl, concurrency))
  const rate = (requests: number, ms: number) => (requests / ms) * 1000
  console.log('concurrency | build+flush: requests, s, req/s | cold gets: requests, s, req/s')
  for (const r of results) {
    console.log(
      `${String(r.concurrency).padStart(11)} | ${r.buildRequests}, ${(r.buildMs / 1000).toFixed(2)} s, ` +
        `${rate(r.buildRequests, r.buildMs).toFixed(0)} req/s | ${r.getRequests}, ${(r.getMs / 1000).toFixed(2)} s, ` +
        `${rate(r.getRequests, r.getMs).toFixed(0)} req/s`,
    )
  }
  const [parallel, serial] = results as [Result, Result]
  console.log(
    `\nratio (concurrency ${parallel.concurrency} / 1): build+flush ×${(serial.buildMs / parallel.buildMs).toFixed(2)}, ` +
      `cold gets ×${(serial.getMs / parallel.getMs).toFixed(2)}`,
  )
} finally {
  await node.stop()
}
