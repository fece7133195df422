import type { CID } from 'multiformats/cid'
import type { HamtNode } from './node.js'

interface Entry {
  node: HamtNode
  /** Read since the eviction sweep last passed it (CLOCK's second chance). */
  used: boolean
}

/**
 * Read-only mode's node cache, bounded by the nodes' encoded sizes, with one load for any number of
 * concurrent requests of the same node. Eviction is CLOCK (second chance), an approximation of
 * least-recently-used that costs a hit nothing but setting a flag.
 */
export class NodeCache {
  readonly #entries = new Map<string, Entry>()
  readonly #pending = new Map<string, Promise<HamtNode>>()
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
    const key = cid.toString()
    const hit = this.#entries.get(key)
    if (hit !== undefined) {
      hit.used = true
      return hit.node
    }
    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = this.load(cid).then(
        (node) => {
          this.#pending.delete(key)
          this.#add(key, node)
          return node
        },
        (error: unknown) => {
          this.#pending.delete(key)
          throw error
        },
      )
      this.#pending.set(key, pending)
    }
    return pending
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #add(key: string, node: HamtNode): void {
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
    this.#entries.set(key, { node, used: false })
  }
}
