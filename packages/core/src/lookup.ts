import type { CID } from 'multiformats/cid'
import { HamtNode } from './node.js'
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
    const child = slot instanceof HamtNode ? slot : ctx.child(node, index, slot, hash)
    if (child instanceof Promise) {
      const next = depth + 1
      return child.then((loaded) => lookup(loaded, key, ctx.hashKey(key), ctx, next))
    }
    node = child
  }
}
