import type { Bucket } from './node.js'
import { HamtNode } from './node.js'
import type { TreeContext } from './tree-context.js'

/**
 * Every bucket under `node`, depth first. A node's children are requested together before the walk
 * descends, so a slow store loads them in parallel.
 */
export async function* walkBuckets(node: HamtNode, ctx: TreeContext): AsyncGenerator<Bucket> {
  const children: (HamtNode | Promise<HamtNode>)[] = []
  for (let index = 0; index < node.slots.length; index++) {
    const slot = node.slots[index]
    if (slot === undefined) continue
    if (slot instanceof Map) yield slot
    else children.push(slot instanceof HamtNode ? slot : ctx.child(node, index, slot))
  }
  // Settle every prefetch, so a failure below cannot leave rejections nobody awaits.
  for (const child of children) if (child instanceof Promise) child.catch(() => {})
  for (const child of children) yield* walkBuckets(child instanceof HamtNode ? child : await child, ctx)
}

/**
 * A copy of the loaded part of a write-mode tree: buckets copied, loaded children copied, unloaded
 * children left as CIDs. Iterating the copy sees the tree as it was, whatever writes follow.
 */
export function snapshot(node: HamtNode): HamtNode {
  return new HamtNode(
    node.slots.map((slot) => (slot instanceof Map ? new Map(slot) : slot instanceof HamtNode ? snapshot(slot) : slot)),
    node.cid,
    node.size,
  )
}
