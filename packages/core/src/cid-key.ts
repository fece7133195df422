import type { CID } from 'multiformats/cid'

// A CID's string form is a ~1.5 KB rope until V8 flattens it, so maps of CIDs key them by a number
// taken from the end of their bytes (a digest, so evenly spread) and compare the whole bytes on a hit.

/** A 32-bit number from the last four bytes of `cid`. */
export function cidKey(cid: CID): number {
  const bytes = cid.bytes
  const n = bytes.length
  return (
    ((bytes[n - 1] ?? 0) | ((bytes[n - 2] ?? 0) << 8) | ((bytes[n - 3] ?? 0) << 16) | ((bytes[n - 4] ?? 0) << 24)) >>> 0
  )
}

/** Whether two CIDs have the same bytes. */
export function sameCid(a: CID, b: CID): boolean {
  if (a === b) return true
  const x = a.bytes
  const y = b.bytes
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

/** A set of CIDs keyed by number (see {@link cidKey}). */
export class CidSet {
  readonly #buckets = new Map<number, CID[]>()

  /** Adds `cid`; returns `false` when it was already there. */
  add(cid: CID): boolean {
    const key = cidKey(cid)
    const bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      this.#buckets.set(key, [cid])
      return true
    }
    for (const held of bucket) if (sameCid(held, cid)) return false
    bucket.push(cid)
    return true
  }
}
