import type { CID } from 'multiformats/cid'
import type { HamtNode } from './node.js'

/**
 * Read-only mode's node cache: least recently used first out once the nodes' encoded sizes pass
 * `maxBytes`, and one load for any number of concurrent requests of the same node.
 */
export class NodeCache {
  readonly #nodes = new Map<string, HamtNode>()
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
    const hit = this.#nodes.get(key)
    if (hit !== undefined) {
      this.#nodes.delete(key)
      this.#nodes.set(key, hit)
      return hit
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
    this.#nodes.clear()
    this.#bytes = 0
  }

  #add(key: string, node: HamtNode): void {
    if (this.#nodes.has(key)) return
    this.#nodes.set(key, node)
    this.#bytes += node.size
    for (const [oldKey, old] of this.#nodes) {
      if (this.#bytes <= this.maxBytes || old === node) break
      this.#nodes.delete(oldKey)
      this.#bytes -= old.size
    }
  }
}
