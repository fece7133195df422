import type { CID } from 'multiformats/cid'
import type { HamtNode } from './node.js'

interface Entry {
  readonly cid: CID
  readonly node: HamtNode
  /** Read since the eviction sweep last passed it (CLOCK's second chance). */
  used: boolean
}

/**
 * Read-only mode's node cache, bounded by the nodes' encoded sizes, with one load for any number of
 * concurrent requests of the same node. Eviction is CLOCK (second chance), an approximation of
 * least-recently-used that costs a hit nothing but setting a flag.
 *
 * Nodes are found by a number taken from the end of their CID (a digest, so evenly spread) and then
 * checked against the whole CID: cheaper than a string key per lookup. In the rare case two cached
 * CIDs share the number, the second is simply not cached.
 */
export class NodeCache {
  readonly #entries = new Map<number, Entry>()
  readonly #pending = new Map<number, { cid: CID; node: Promise<HamtNode> }>()
  #bytes = 0

  constructor(
    private readonly load: (cid: CID) => Promise<HamtNode>,
    private readonly maxBytes: number,
  ) {}

  /** Encoded bytes of the cached nodes. */
  get bytes(): number {
    return this.#bytes
  }

  get(cid: CID): HamtNode | Promise<HamtNode> {
    const key = keyOf(cid)
    const hit = this.#entries.get(key)
    if (hit !== undefined && sameCid(hit.cid, cid)) {
      hit.used = true
      return hit.node
    }
    const pending = this.#pending.get(key)
    if (pending !== undefined && sameCid(pending.cid, cid)) return pending.node
    const node = this.load(cid).then(
      (loaded) => {
        this.#settle(key, node)
        this.#add(key, cid, loaded)
        return loaded
      },
      (error: unknown) => {
        this.#settle(key, node)
        throw error
      },
    )
    if (pending === undefined) this.#pending.set(key, { cid, node })
    return node
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #settle(key: number, node: Promise<HamtNode>): void {
    if (this.#pending.get(key)?.node === node) this.#pending.delete(key)
  }

  #add(key: number, cid: CID, node: HamtNode): void {
    if (this.#entries.has(key)) return
    this.#bytes += node.size
    // Sweep from the oldest insertion: a used entry loses its flag and goes to the back, an unused
    // one is evicted. Two passes at most, since the first clears every flag.
    for (const [oldKey, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break
      this.#entries.delete(oldKey)
      if (entry.used) {
        entry.used = false
        this.#entries.set(oldKey, entry)
      } else {
        this.#bytes -= entry.node.size
      }
    }
    this.#entries.set(key, { cid, node, used: false })
  }
}

function keyOf(cid: CID): number {
  const bytes = cid.bytes
  const n = bytes.length
  return (
    ((bytes[n - 1] ?? 0) | ((bytes[n - 2] ?? 0) << 8) | ((bytes[n - 3] ?? 0) << 16) | ((bytes[n - 4] ?? 0) << 24)) >>> 0
  )
}

function sameCid(a: CID, b: CID): boolean {
  if (a === b) return true
  const x = a.bytes
  const y = b.bytes
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}
