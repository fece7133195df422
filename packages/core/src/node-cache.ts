import type { CID } from 'multiformats/cid'
import { cidKey, sameCid } from './cid-key.js'
import { InvalidNodeError } from './errors.js'
import { cidEnd, cidStart } from './node-bytes.js'
import { isEmptyStored, isStoredChildOf, linkAt, type StoredNode } from './stored-node.js'

interface Entry {
  readonly cid: CID
  readonly node: StoredNode
  /** Read since the eviction sweep last passed it (CLOCK's second chance). */
  used: boolean
}

/**
 * Read-only mode's node cache, bounded by the nodes' estimated memory ({@link StoredNode.size}), with
 * one load for any number of concurrent requests of the same node. Eviction is CLOCK (second chance),
 * an approximation of least-recently-used that costs a hit nothing but setting a flag.
 *
 * A node is checked against the place it was first asked for at (its keys must hash there); asked
 * for at another place, which no honest tree does, it is refused: that is what stops cycles and DAG
 * bombs without checking anything more on a warm read.
 *
 * Nodes are found by a number taken from the end of their CID (see cid-key.ts) and then checked
 * against the whole CID. In the rare case two cached CIDs share the number, the second is not cached.
 */
export class NodeCache {
  readonly #entries = new Map<number, Entry>()
  readonly #pending = new Map<number, { cid: CID; node: Promise<StoredNode> }>()
  #bytes = 0

  constructor(
    /**
     * Loads and checks the node `cid` as the child in slot `index` of `parent`; with the hash of the
     * key being looked up, it may fetch the nodes below on that key's path as well and {@link put} them.
     */
    private readonly load: (cid: CID, parent: StoredNode, index: number, hash?: Uint8Array) => Promise<StoredNode>,
    private readonly maxBytes: number,
  ) {}

  /** Estimated memory of the cached nodes. */
  get bytes(): number {
    return this.#bytes
  }

  /**
   * The cached child that slot `index` of `parent` links to, found by the CID in the parent's block
   * (no CID object made: this is every warm read); `undefined` when it is not cached at that place.
   */
  cached(parent: StoredNode, index: number): StoredNode | undefined {
    const bytes = parent.bytes
    const at = linkAt(parent, index)
    const start = cidStart(bytes, at)
    const end = cidEnd(bytes, at)
    const key =
      ((bytes[end - 1] as number) |
        ((bytes[end - 2] as number) << 8) |
        ((bytes[end - 3] as number) << 16) |
        ((bytes[end - 4] as number) << 24)) >>>
      0
    const hit = this.#entries.get(key)
    if (hit === undefined || !isStoredChildOf(hit.node, parent, index)) return undefined
    const cid = hit.cid.bytes
    if (cid.length !== end - start) return undefined
    for (let i = 0; i < cid.length; i++) if (cid[i] !== bytes[start + i]) return undefined
    hit.used = true
    return hit.node
  }

  /**
   * The node `cid`, linked from slot `index` of `parent`. `hash`, the hash of a key being looked up,
   * is read only during this call (it may be a view that the next hash overwrites).
   */
  get(cid: CID, parent: StoredNode, index: number, hash?: Uint8Array): StoredNode | Promise<StoredNode> {
    const key = cidKey(cid)
    const hit = this.#entries.get(key)
    if (hit !== undefined && sameCid(hit.cid, cid)) {
      hit.used = true
      return isStoredChildOf(hit.node, parent, index) ? hit.node : misplaced(hit.node, cid)
    }
    const pending = this.#pending.get(key)
    if (pending !== undefined && sameCid(pending.cid, cid)) {
      return pending.node.then((node) => (isStoredChildOf(node, parent, index) ? node : misplaced(node, cid)))
    }
    const node = this.load(cid, parent, index, hash).then(
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

  /** Caches `node`, checked as the node `cid` at its place, unless it is cached already. */
  put(cid: CID, node: StoredNode): void {
    this.#add(cidKey(cid), cid, node)
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }

  #settle(key: number, node: Promise<StoredNode>): void {
    if (this.#pending.get(key)?.node === node) this.#pending.delete(key)
  }

  #add(key: number, cid: CID, node: StoredNode): void {
    // A node bigger than the whole budget is used once and not kept.
    const size = node.size
    if (this.#entries.has(key) || size > this.maxBytes) return
    this.#bytes += size
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

/** An empty node may sit anywhere; any other node linked from a second place is a forgery. */
function misplaced(node: StoredNode, cid: CID): StoredNode {
  if (isEmptyStored(node)) return node
  throw new InvalidNodeError(cid, 'it is linked from more than one place in the tree (a cycle or a DAG bomb)')
}
