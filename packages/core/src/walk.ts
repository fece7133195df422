import type { CID } from 'multiformats/cid'
import { type BucketView, EncodedBucket } from './bucket-bytes.js'
import { CidSet } from './cid-key.js'
import { InvalidNodeError } from './errors.js'
import type { StoredContext } from './lookup.js'
import { HamtNode, isEmptyNode, SLOT_COUNT } from './node.js'
import { BUCKET, isEmptyStored, LINK, linkCid, type StoredNode, slotKind } from './stored-node.js'
import type { TreeContext } from './tree-context.js'

/** A node as a walk reads it: its CID (when it has one), whether it is empty, its buckets and children. */
interface WalkedNode<N> {
  cid: CID | undefined
  empty: boolean
  buckets: BucketView[]
  /** Children in slot order: loaded, or loads already under way (so a slow store loads them in parallel). */
  children: (N | Promise<N>)[]
}

const ignore = (): void => {}

/**
 * The buckets under `node`, a node's at a time, depth first (a node's own before its children's). A
 * CID met twice (a cycle, or a DAG bomb's shared child) ends the walk with an {@link InvalidNodeError}
 * naming it: an honest tree never links one node from two places, except an empty one, which holds
 * nothing to walk.
 *
 * One generator over an explicit stack, not one per node: a bucket passed up through a generator per
 * level cost more than reading it.
 */
async function* walk<N>(node: N, read: (node: N) => WalkedNode<N>, seen: CidSet): AsyncGenerator<BucketView[]> {
  const pending: (N | Promise<N>)[] = [node]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { cid, empty, buckets, children } = read(next instanceof Promise ? await next : next)
    // A prefetch may fail while the walk is elsewhere, or after it has ended: it is awaited, or dropped.
    for (const child of children) if (child instanceof Promise) child.catch(ignore)
    if (cid !== undefined && !seen.add(cid) && !empty) {
      throw new InvalidNodeError(cid, 'it is linked from more than one place in the tree (a cycle or a DAG bomb)')
    }
    if (buckets.length > 0) yield buckets
    for (let index = children.length - 1; index >= 0; index--) pending.push(children[index] as N | Promise<N>)
  }
}

/** {@link walk} over a write-mode tree (or a snapshot of one): loaded children, and `ctx` for the rest. */
export function walkBuckets(node: HamtNode, ctx: TreeContext): AsyncGenerator<BucketView[]> {
  return walk<HamtNode>(
    node,
    (at) => {
      const buckets: BucketView[] = []
      const children: (HamtNode | Promise<HamtNode>)[] = []
      for (let index = 0; index < at.slots.length; index++) {
        const slot = at.slots[index]
        if (slot === undefined) continue
        if (typeof slot === 'number') buckets.push(new EncodedBucket(at.data, slot))
        else children.push(slot instanceof HamtNode ? slot : ctx.child(at, index, slot))
      }
      return { cid: at.cid, empty: isEmptyNode(at), buckets, children }
    },
    new CidSet(),
  )
}

/**
 * {@link walk} over a read-only tree, whose nodes are read in place: a bucket's keys and CIDs are made
 * only when asked for.
 */
export function walkStoredBuckets(node: StoredNode, ctx: StoredContext): AsyncGenerator<BucketView[]> {
  return walk<StoredNode>(
    node,
    (at) => {
      const buckets: BucketView[] = []
      const children: (StoredNode | Promise<StoredNode>)[] = []
      for (let index = 0; index < SLOT_COUNT; index++) {
        const kind = slotKind(at, index)
        if (kind === BUCKET) buckets.push(new EncodedBucket(at.bytes, at.starts[index] as number))
        else if (kind === LINK) children.push(ctx.cached(at, index) ?? ctx.child(at, index, linkCid(at, index)))
      }
      return { cid: at.cid, empty: isEmptyStored(at), buckets, children }
    },
    new CidSet(),
  )
}

/**
 * A copy of the loaded part of a write-mode tree: loaded children copied, unloaded children left as
 * CIDs, arenas shared (a bucket's bytes are never written over). Iterating the copy sees the tree as it
 * was, whatever writes follow.
 */
export function snapshot(node: HamtNode): HamtNode {
  return new HamtNode(
    node.slots.map((slot) => (slot instanceof HamtNode ? snapshot(slot) : slot)),
    node.cid,
    node.size,
    node.path,
    node.data,
    node.used,
  )
}
