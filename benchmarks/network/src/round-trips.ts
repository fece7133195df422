import type { Arrival } from './remote-gateway.js'

/**
 * How many round trips the read made one after another: requests are grouped in waves, each holding
 * the requests that arrived within one RTT of the wave's first (none of them can have waited for an
 * answer of that wave, which leaves the gateway an RTT after its request came). A read whose requests
 * are issued slower than they could be (client CPU) shows more waves than its chain of dependencies.
 * `NaN` at RTT 0, where waves cannot be told apart.
 */
export function roundTripChain(arrivals: readonly Arrival[], start: number, rttMs: number): number {
  if (rttMs <= 0) return Number.NaN
  let waves = 0
  let waveStart = Number.NEGATIVE_INFINITY
  for (const { at } of [...arrivals].sort((a, b) => a.at - b.at)) {
    if (at < start) continue
    if (at >= waveStart + rttMs) {
      waves++
      waveStart = at
    }
  }
  return waves
}
