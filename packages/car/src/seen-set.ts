import type { CID } from 'multiformats/cid'

/**
 * Multihashes met so far, forgetting the oldest past `limit` entries, so memory stays bounded on any
 * DAG. Forgetting is safe where it is used: a forgotten block met again is only visited (and written)
 * a second time.
 */
export class SeenSet {
  readonly #keys = new Set<string>()

  constructor(readonly limit: number) {}

  /** Adds `cid`; returns false when it was already there. */
  add(cid: CID): boolean {
    const key = keyOf(cid)
    if (this.#keys.has(key)) return false
    this.#keys.add(key)
    if (this.#keys.size > this.limit) {
      const oldest = this.#keys.values().next()
      if (oldest.done !== true) this.#keys.delete(oldest.value)
    }
    return true
  }

  /** Whether `cid`'s multihash is held. */
  has(cid: CID): boolean {
    return this.#keys.has(keyOf(cid))
  }
}

/**
 * A block's identity whatever its CID's version or codec label: its multihash, as a string of one
 * character per byte. Built in one call, so V8 makes it flat (about 60 bytes); a base64 encoder that
 * appends character by character leaves a rope of one node per character (1.5 KB a key, measured).
 */
export function keyOf(cid: CID): string {
  return String.fromCharCode.apply(null, cid.multihash.bytes as unknown as number[])
}
