import type { CID } from 'multiformats/cid'
import { findEntry, nonAsciiBytes } from './bucket-bytes.js'
import { HamtNode } from './node.js'
import { cidAt, cidEnd, cidStart, copiedCid } from './node-bytes.js'
import { BUCKET, EMPTY, linkCid, type StoredNode, slotKind } from './stored-node.js'
import type { TreeContext } from './tree-context.js'

/**
 * Finds the CID of `key`'s value, or `undefined` when the key is absent. Answers synchronously when
 * every node on the way is at hand, which is what makes warm reads cheap.
 *
 * `hash` is read only until the walk first has to wait (it may be a view that the next hash
 * overwrites, and loading a node hashes its keys); past that point the key is hashed again.
 */
export function lookup(
  node: HamtNode,
  key: string,
  hash: Uint8Array,
  ctx: TreeContext,
  depth = 0,
): CID | undefined | Promise<CID | undefined> {
  for (; ; depth++) {
    const index = hash[depth]
    if (index === undefined) return undefined
    const slot = node.slots[index]
    if (slot === undefined) return undefined
    if (typeof slot === 'number') {
      const data = node.data
      const link = findEntry(data, slot, key, nonAsciiBytes(key))
      // A copy: the node's arena is not to be kept alive by a CID handed out.
      return link < 0 ? undefined : copiedCid(data, cidStart(data, link), cidEnd(data, link))
    }
    const child = slot instanceof HamtNode ? slot : ctx.child(node, index, slot)
    if (child instanceof Promise) {
      const next = depth + 1
      return child.then((loaded) => lookup(loaded, key, ctx.hashKey(key), ctx, next))
    }
    node = child
  }
}

/** What a lookup in a read-only tree needs from the HAMT that runs it. */
export interface StoredContext {
  /** Hash of a key (its UTF-8 bytes through the HAMT's hash function). */
  hashKey(key: string): Uint8Array
  /** The child slot `index` of `parent` links to, when it is cached (the warm path: nothing is made). */
  cached(parent: StoredNode, index: number): StoredNode | undefined
  /**
   * The child `cid` in slot `index` of `parent`, loaded (with the rest of the key's chain, where the
   * store can fetch it: `hash` is read during the call only) or found among the loads under way.
   */
  child(parent: StoredNode, index: number, cid: CID, hash?: Uint8Array): StoredNode | Promise<StoredNode>
}

/**
 * {@link lookup} in a read-only tree, whose nodes are read in place: the CID of `key`'s value, or
 * `undefined`. Synchronous when every node on the way is cached; `hash` is read as in {@link lookup}.
 */
export function lookupStored(
  node: StoredNode,
  key: string,
  hash: Uint8Array,
  ctx: StoredContext,
  depth = 0,
): CID | undefined | Promise<CID | undefined> {
  for (; ; depth++) {
    const index = hash[depth]
    if (index === undefined) return undefined
    const kind = slotKind(node, index)
    if (kind === EMPTY) return undefined
    if (kind === BUCKET) {
      // A view of the block, not a copy: `getPointer` detaches what it hands out.
      const link = findEntry(node.bytes, node.starts[index] as number, key, nonAsciiBytes(key))
      return link < 0 ? undefined : cidAt(node.bytes, link)
    }
    const cached = ctx.cached(node, index)
    if (cached !== undefined) {
      node = cached
      continue
    }
    const child = ctx.child(node, index, linkCid(node, index), hash)
    if (child instanceof Promise) {
      const next = depth + 1
      return child.then((loaded) => lookupStored(loaded, key, ctx.hashKey(key), ctx, next))
    }
    node = child
  }
}
