import type { CID } from 'multiformats/cid'
import { cidKey, sameCid } from './cid-key.js'
import { InvalidNodeError } from './errors.js'
import { isEmptyStored, isStoredChildOf, type StoredNode } from './stored-node.js'

interface Entry {
  readonly cid: CID
  readonly node: StoredNode
  /** The parent's table of children holding the node, if it was attached to one (cleared on eviction). */
  table: (StoredNode | undefined)[] | undefined
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
   * The cached child that slot `index` of `parent` links to, from the parent's table of children (no
   * CID made or compared: this is every warm read); `undefined` when it is not at hand that way.
   */
  cached(parent: StoredNode, index: number): StoredNode | undefined {
    const child = parent.children?.[index]
    if (child !== undefined) child.used = true
    return child
  }

  /**
   * The node `cid`, linked from slot `index` of `parent`. `hash`, the hash of a key being looked up,
   * is read only during this call (it may be a view that the next hash overwrites).
   */
  get(cid: CID, parent: StoredNode, index: number, hash?: Uint8Array): StoredNode | Promise<StoredNode> {
    const key = cidKey(cid)
    const hit = this.#entries.get(key)
    if (hit !== undefined && sameCid(hit.cid, cid)) {
      hit.node.used = true
      if (!isStoredChildOf(hit.node, parent, index)) return misplaced(hit.node, cid)
      attach(hit, parent, index)
      return hit.node
    }
    const pending = this.#pending.get(key)
    if (pending !== undefined && sameCid(pending.cid, cid)) {
      return pending.node.then((node) => (isStoredChildOf(node, parent, index) ? node : misplaced(node, cid)))
    }
    const node = this.load(cid, parent, index, hash).then(
      (loaded) => {
        this.#settle(key, node)
        const entry = this.#add(key, cid, loaded)
        if (entry !== undefined) attach(entry, parent, index)
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

  /** Caches `node`, checked as the child `cid` in slot `index` of `parent`, unless it is cached already. */
  put(cid: CID, node: StoredNode, parent: StoredNode, index: number): void {
    const entry = this.#add(cidKey(cid), cid, node)
    if (entry !== undefined) attach(entry, parent, index)
  }

  clear(): void {
    for (const entry of this.#entries.values()) detach(entry)
    this.#entries.clear()
    this.#bytes = 0
  }

  #settle(key: number, node: Promise<StoredNode>): void {
    if (this.#pending.get(key)?.node === node) this.#pending.delete(key)
  }

  /** Adds `node` and returns its entry; `undefined` when it is not kept. */
  #add(key: number, cid: CID, node: StoredNode): Entry | undefined {
    // A node bigger than the whole budget is used once and not kept.
    const size = node.size
    if (this.#entries.has(key) || size > this.maxBytes) return undefined
    this.#bytes += size
    // Sweep from the oldest insertion: a used entry loses its flag and goes to the back, an unused
    // one is evicted. Two passes at most, since the first clears every flag.
    for (const [oldKey, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break
      this.#entries.delete(oldKey)
      if (entry.node.used) {
        entry.node.used = false
        this.#entries.set(oldKey, entry)
      } else {
        this.#bytes -= entry.node.size
        detach(entry)
      }
    }
    node.used = false
    const entry: Entry = { cid, node, table: undefined }
    this.#entries.set(key, entry)
    return entry
  }
}

/** Hangs the entry's node in slot `index` of `parent`'s table of children. */
function attach(entry: Entry, parent: StoredNode, index: number): void {
  parent.children ??= new Array<StoredNode | undefined>(256).fill(undefined)
  // A parent evicted and loaded again is a new node: the child moves to its table.
  if (entry.table === parent.children) return
  detach(entry)
  parent.children[index] = entry.node
  entry.table = parent.children
}

/** Takes the entry's node out of the table it hangs in. */
function detach(entry: Entry): void {
  const table = entry.table
  if (table === undefined) return
  const index = entry.node.path[entry.node.path.length - 1] as number
  if (table[index] === entry.node) table[index] = undefined
  entry.table = undefined
}

/** An empty node may sit anywhere; any other node linked from a second place is a forgery. */
function misplaced(node: StoredNode, cid: CID): StoredNode {
  if (isEmptyStored(node)) return node
  throw new InvalidNodeError(cid, 'it is linked from more than one place in the tree (a cycle or a DAG bomb)')
}
