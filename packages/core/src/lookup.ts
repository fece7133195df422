import type { CID } from 'multiformats/cid'
import { HamtNode } from './node.js'
import type { TreeContext } from './tree-context.js'

/** Finds the CID of `key`'s value, or `undefined` when the key is absent. */
export async function lookup(
  root: HamtNode,
  key: string,
  hash: Uint8Array,
  ctx: TreeContext,
): Promise<CID | undefined> {
  let node = root
  for (let depth = 0; ; depth++) {
    const index = hash[depth]
    if (index === undefined) return undefined
    const slot = node.slots[index]
    if (slot === undefined) return undefined
    if (slot instanceof Map) return slot.get(key)
    const child = slot instanceof HamtNode ? slot : ctx.child(node, index, slot)
    node = child instanceof HamtNode ? child : await child
  }
}
