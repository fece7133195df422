import { KuboCAS } from '@hamt/cas-kubo'
import type { InMemoryCAS } from '@hamt/cas-memory'
import { blake3HashFn, CID } from '@hamt/core'
import { openZarr } from '@hamt/zarr-open'
import * as dagCbor from '@ipld/dag-cbor'
import * as zarr from 'zarrita'
import { buildBigHamt } from './dataset.js'
import { DelayedGateway } from './server.js'

/** What a cold open of a big HAMT costs until its first chunk arrives. */
export interface ColdOpen {
  chunks: number
  /** HAMT nodes on the path of the chunk read, root included. */
  depth: number
  /** The same for the array's `zarr.json`. */
  metadataDepth: number
  /** `openZarr`'s `preloadDepth`. */
  preloadDepth: number
  rttMs: number
  ms: number
  /** `ms / rttMs`: round trips, processing included. */
  roundTrips: number
  requests: number
}

/** HAMT nodes on `key`'s path from `root` (py-hamt's wire format: a link is `[CID]`, a bucket a map). */
export async function pathDepth(cas: InMemoryCAS, root: CID, key: string): Promise<number> {
  const hash = blake3HashFn(new TextEncoder().encode(key))
  let cid = root
  for (let depth = 0; ; depth++) {
    const slots = dagCbor.decode(await cas.load(cid)) as unknown[]
    const slot = slots[hash[depth] as number]
    const link = Array.isArray(slot) ? CID.asCID(slot[0]) : null
    if (link === null) return depth + 1
    cid = link
  }
}

/**
 * Builds a HAMT of `chunks` chunk keys, serves it at `rttMs`, and opens it cold as a reader does
 * (`openZarr`, `zarr.open`, one `zarr.get`), timing until the first chunk is in hand.
 */
export async function measureColdOpen(
  chunks: number,
  rttMs: number,
  casConcurrency: number,
  preloadDepths: readonly number[] = [0],
): Promise<ColdOpen[]> {
  const { cas, root } = await buildBigHamt(chunks)
  const index = Math.floor(chunks / 2)
  const depth = await pathDepth(cas, root, `big/c/${index}`)
  const metadataDepth = await pathDepth(cas, root, 'big/zarr.json')
  const gateway = await new DelayedGateway({
    rttMs,
    blocks: (cid) => cas.load(cid).catch(() => undefined),
    files: new Map(),
  }).start()
  try {
    const results: ColdOpen[] = []
    for (const preloadDepth of preloadDepths) {
      results.push({
        ...(await openOnce(gateway, root, index, casConcurrency, preloadDepth)),
        chunks,
        depth,
        metadataDepth,
      })
    }
    return results
  } finally {
    await gateway.close()
  }
}

async function openOnce(
  gateway: DelayedGateway,
  root: CID,
  index: number,
  casConcurrency: number,
  preloadDepth: number,
): Promise<Pick<ColdOpen, 'preloadDepth' | 'rttMs' | 'ms' | 'roundTrips' | 'requests'>> {
  const rttMs = gateway.rttMs
  const reader = new KuboCAS({ gatewayBaseUrl: gateway.url, trustless: true, concurrency: casConcurrency })
  try {
    // Fill the connection pool first (as many connections as the preload asks for at once), so the
    // open is timed in round trips, not in TCP connection setups on a loaded machine: a reader over
    // HTTP/2, as browsers are, has one connection already open.
    await Promise.all(Array.from({ length: 300 }, () => reader.load(root)))
    gateway.resetCounts()
    const start = performance.now()
    const store = await openZarr(reader, root, { preloadDepth })
    const big = await zarr.open.v3(zarr.root(store).resolve('big'), { kind: 'array' })
    const value = await zarr.get(big, [index])
    const ms = performance.now() - start
    if (value !== 1.5) throw new Error(`cold open read ${String(value)}, not 1.5`)
    return { preloadDepth, rttMs, ms, roundTrips: ms / rttMs, requests: gateway.counts.total }
  } finally {
    await reader.close()
  }
}
