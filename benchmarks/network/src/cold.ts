import { KuboCAS } from '@hamt/cas-kubo'
import type { CID } from '@hamt/core'
import { openZarr } from '@hamt/zarr-open'
import * as zarr from 'zarrita'
import { RemoteGateway } from './remote-gateway.js'
import { roundTripChain } from './round-trips.js'
import { SaveLoadOnlyCAS } from './save-load-only.js'

/** What a cold open of a big HAMT costs until its first chunk arrives. */
export interface ColdOpen {
  chunks: number
  /** HAMT nodes on the path of the chunk read, root included. */
  depth: number
  /** The same for the `zarr.json` the open waits for: the array's, or the root's when consolidated. */
  metadataDepth: number
  /** The key of that `zarr.json`. */
  metadataKey: string
  /** `openZarr`'s `preloadDepth`. */
  preloadDepth: number
  rttMs: number
  ms: number
  /** `ms / rttMs`: round trips, processing included. */
  roundTrips: number
  requests: number
  /** Of the requests, CARs of a path. */
  pathReads: number
  /** Round trips one after another, as seen by the gateway (`roundTripChain`). */
  chain: number
}

/** How the big HAMT is written and read. */
export interface ColdOptions {
  /** KuboCAS requests in flight at once. */
  casConcurrency: number
  /** The root's `zarr.json` holds the consolidated metadata. */
  consolidated: boolean
  /** Read through the KuboCAS itself (its `loadPath`, if any), not through {@link SaveLoadOnlyCAS}. */
  pathReads: boolean
}

/**
 * Builds a HAMT of `chunks` chunk keys, serves it at `rttMs`, and opens it cold as a reader does
 * (`openZarr`, `zarr.open`, one `zarr.get`), timing until the first chunk is in hand.
 */
export async function measureColdOpen(
  chunks: number,
  rttMs: number,
  options: ColdOptions,
  preloadDepths: readonly number[] = [0],
): Promise<ColdOpen[]> {
  const index = Math.floor(chunks / 2)
  const gateway = await RemoteGateway.bigHamt(chunks, index, options.consolidated)
  try {
    await gateway.setRtt(rttMs)
    const results: ColdOpen[] = []
    for (const preloadDepth of preloadDepths) {
      results.push({
        ...(await openOnce(gateway, rttMs, index, options, preloadDepth)),
        chunks,
        depth: gateway.depths?.chunk ?? Number.NaN,
        metadataDepth: gateway.depths?.metadata ?? Number.NaN,
        metadataKey: gateway.depths?.metadataKey ?? 'zarr.json',
      })
    }
    return results
  } finally {
    await gateway.close()
  }
}

async function openOnce(
  gateway: RemoteGateway,
  rttMs: number,
  index: number,
  options: ColdOptions,
  preloadDepth: number,
): Promise<Pick<ColdOpen, 'preloadDepth' | 'rttMs' | 'ms' | 'roundTrips' | 'requests' | 'pathReads' | 'chain'>> {
  const root = gateway.hamtRoot as CID
  const reader = new KuboCAS({ gatewayBaseUrl: gateway.url, trustless: true, concurrency: options.casConcurrency })
  try {
    // Fill the connection pool first (as many connections as the preload asks for at once), so the
    // open is timed in round trips, not in TCP connection setups on a loaded machine: a reader over
    // HTTP/2, as browsers are, has one connection already open.
    await Promise.all(Array.from({ length: 300 }, () => reader.load(root)))
    await gateway.takeLog()
    const start = performance.now()
    const startAt = performance.timeOrigin + start
    const store = await openZarr(options.pathReads ? reader : new SaveLoadOnlyCAS(reader), root, { preloadDepth })
    const big = await zarr.open.v3(zarr.root(store).resolve('big'), { kind: 'array' })
    const value = await zarr.get(big, [index])
    const ms = performance.now() - start
    if (value !== 1.5) throw new Error(`cold open read ${String(value)}, not 1.5`)
    const log = await gateway.takeLog()
    return {
      preloadDepth,
      rttMs,
      ms,
      roundTrips: ms / rttMs,
      requests: log.counts.total,
      pathReads: log.counts.pathCar,
      chain: roundTripChain(log.arrivals, startAt, rttMs),
    }
  } finally {
    await reader.close()
  }
}
