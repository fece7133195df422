import type { CID } from 'multiformats/cid'
import { HamtNode } from './node.js'
import { BUCKET, EMPTY, findInBucket, linkCid, type StoredNode, slotKind } from './stored-node.js'
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
    if (slot instanceof Map) return slot.get(key)
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
    if (kind === BUCKET) return findInBucket(node, index, key, nonAsciiBytes(key))
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

const utf8 = new TextEncoder()

/** The UTF-8 bytes of a key that is not all ASCII; `undefined` for ASCII, compared as it is. */
function nonAsciiBytes(key: string): Uint8Array | undefined {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0x7f) return utf8.encode(key)
  return undefined
}
