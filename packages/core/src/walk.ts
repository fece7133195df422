import { CidSet } from './cid-key.js'
import { InvalidNodeError } from './errors.js'
import type { StoredContext } from './lookup.js'
import type { Bucket, BucketView } from './node.js'
import { HamtNode, isEmptyNode } from './node.js'
import { BUCKET, isEmptyStored, LINK, linkCid, StoredBucket, type StoredNode, slotKind } from './stored-node.js'
import type { TreeContext } from './tree-context.js'

/**
 * Every bucket under `node`, depth first. A node's children are requested together before the walk
 * descends, so a slow store loads them in parallel. A CID met twice (a cycle, or a DAG bomb's shared
 * child) ends the walk with an {@link InvalidNodeError} naming it: an honest tree never links one
 * node from two places, except an empty one, which holds nothing to walk.
 */
export async function* walkBuckets(node: HamtNode, ctx: TreeContext, seen = new CidSet()): AsyncGenerator<Bucket> {
  if (node.cid !== undefined && !seen.add(node.cid) && !isEmptyNode(node)) {
    throw new InvalidNodeError(node.cid, 'it is linked from more than one place in the tree (a cycle or a DAG bomb)')
  }
  const children: (HamtNode | Promise<HamtNode>)[] = []
  try {
    for (let index = 0; index < node.slots.length; index++) {
      const slot = node.slots[index]
      if (slot === undefined) continue
      if (slot instanceof Map) yield slot
      else children.push(slot instanceof HamtNode ? slot : ctx.child(node, index, slot))
    }
  } finally {
    // Settle every prefetch, so a failure or an early return cannot leave rejections nobody awaits.
    for (const child of children) if (child instanceof Promise) child.catch(() => {})
  }
  for (const child of children) yield* walkBuckets(child instanceof HamtNode ? child : await child, ctx, seen)
}

/**
 * {@link walkBuckets} over a read-only tree, whose nodes are read in place: each bucket is read as
 * the walk reaches it, its keys and CIDs made only when asked for.
 */
export async function* walkStoredBuckets(
  node: StoredNode,
  ctx: StoredContext,
  seen = new CidSet(),
): AsyncGenerator<BucketView> {
  if (!seen.add(node.cid) && !isEmptyStored(node)) {
    throw new InvalidNodeError(node.cid, 'it is linked from more than one place in the tree (a cycle or a DAG bomb)')
  }
  const children: (StoredNode | Promise<StoredNode>)[] = []
  try {
    for (let index = 0; index < 256; index++) {
      const kind = slotKind(node, index)
      if (kind === BUCKET) yield new StoredBucket(node, index)
      else if (kind === LINK) children.push(ctx.cached(node, index) ?? ctx.child(node, index, linkCid(node, index)))
    }
  } finally {
    // Settle every prefetch, so a failure or an early return cannot leave rejections nobody awaits.
    for (const child of children) if (child instanceof Promise) child.catch(() => {})
  }
  for (const child of children) yield* walkStoredBuckets(child instanceof Promise ? await child : child, ctx, seen)
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
    node.path,
  )
}
