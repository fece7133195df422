import { bucketSize, findEntry, nonAsciiBytes } from './bucket-bytes.js'
import { type BucketEntry, bucketEntries, putEntry, writeBucket } from './bucket-writer.js'
import { HashCollisionError } from './errors.js'
import { HamtNode, nodeMemory } from './node.js'
import { cidEnd, cidStart } from './node-bytes.js'
import type { TreeContext } from './tree-context.js'

/**
 * The insert path. Walks down from `root` by successive bytes of `hash`, loading children as it
 * goes, and changes the tree only after the walk, in one synchronous step, so a concurrent reader
 * never sees half an insert and a failure (a hash collision) leaves the tree as it was.
 *
 * The tree stays canonical: a slot links to a child exactly when more than `maxBucketSize` keys
 * share the slot's hash prefix, which is the shape py-hamt's insert-only trees have. An insert into
 * a full bucket therefore turns it into the canonical subtree of its keys plus the new one.
 *
 * `cid` is the bytes of the CID of the key's value. `signal` is checked after each load, so an
 * aborted insert changes nothing.
 *
 * Synchronous when every node on the way is loaded (the usual case while writing), so an insert
 * makes no promise of its own; a promise of the same result when a child has to be loaded first.
 * `hash` may be a view that the next hash overwrites (the hasher's output): it is read only while
 * the insert runs synchronously, and copied before anything that may hash (a spill, a load).
 *
 * @returns an estimate of the memory the insert added (see {@link HamtNode.size}).
 */
export function insertEntry(
  root: HamtNode,
  key: string,
  hash: Uint8Array,
  cid: Uint8Array,
  ctx: TreeContext,
  signal?: AbortSignal,
): number | Promise<number> {
  return insertFrom(root, 0, root, key, hash, cid, ctx, signal)
}

/** {@link insertEntry}, with the walk already at `node`, `depth` levels down from `root`. */
function insertFrom(
  node: HamtNode,
  depth: number,
  root: HamtNode,
  key: string,
  hash: Uint8Array,
  cid: Uint8Array,
  ctx: TreeContext,
  signal: AbortSignal | undefined,
): number | Promise<number> {
  let added = 0
  for (; ; depth++) {
    const index = hash[depth]
    if (index === undefined) throw new HashCollisionError([key], ctx.maxBucketSize)
    const slot = node.slots[index]
    if (slot === undefined) {
      added = putEntry(node, index, key, cid, -1)
      node.size += added
      break
    }
    if (typeof slot === 'number') {
      const link = findEntry(node.data, slot, key, nonAsciiBytes(key))
      if (link >= 0 && sameCid(node.data, link, cid)) return 0
      if (link >= 0 || bucketSize(node.data, slot) < ctx.maxBucketSize) {
        added = putEntry(node, index, key, cid, link)
        node.size += added
      } else {
        // A bucket written with a larger maxBucketSize may hold more than ours: it all moves down.
        hash = hash.slice()
        const subtree = spill(node, index, { key, hash, cid }, depth + 1, ctx)
        node.slots[index] = subtree
        added = subtreeMemory(subtree)
      }
      break
    }
    if (!(slot instanceof HamtNode)) hash = hash.slice()
    const child = slot instanceof HamtNode ? slot : ctx.child(node, index, slot)
    if (child instanceof HamtNode) {
      node = child
      continue
    }
    const next = depth + 1
    return child.then((loaded) => {
      // The change is synchronous: past this point an abort would come too late to honour.
      signal?.throwIfAborted()
      return insertFrom(loaded, next, root, key, hash, cid, ctx, signal)
    })
  }
  markPathDirty(root, hash)
  return added
}

/**
 * Marks the nodes from `root` down along `hash` as changed: the path the insert walked, every node of
 * which is attached to its parent by then (write mode attaches what it loads).
 */
function markPathDirty(root: HamtNode, hash: Uint8Array): void {
  let node = root
  for (let depth = 0; ; depth++) {
    node.cid = undefined
    const slot = node.slots[hash[depth] as number]
    if (!(slot instanceof HamtNode)) return
    node = slot
  }
}

function subtreeMemory(node: HamtNode): number {
  let total = node.size
  for (const slot of node.slots) if (slot instanceof HamtNode) total += subtreeMemory(slot)
  return total
}

/** Whether the link at `link` in `data` is to the CID whose bytes are `cid`. */
function sameCid(data: Uint8Array, link: number, cid: Uint8Array): boolean {
  const start = cidStart(data, link)
  if (cidEnd(data, link) - start !== cid.length) return false
  for (let i = 0; i < cid.length; i++) if (data[start + i] !== cid[i]) return false
  return true
}

interface Entry extends BucketEntry {
  readonly hash: Uint8Array
}

/** The canonical subtree at `depth` of the bucket in slot `index` of `node` and `added`. */
function spill(node: HamtNode, index: number, added: Entry, depth: number, ctx: TreeContext): HamtNode {
  const entries: Entry[] = [added]
  for (const { key, cid } of bucketEntries(node.data, node.slots[index] as number)) {
    entries.push({ key, cid, hash: ctx.hashKey(key) })
  }
  return buildSubtree(entries, depth, ctx.maxBucketSize)
}

/** The canonical subtree at `depth` holding `entries`, which share the hash prefix above it. */
function buildSubtree(entries: readonly Entry[], depth: number, maxBucketSize: number): HamtNode {
  const groups = new Map<number, Entry[]>()
  for (const entry of entries) {
    const index = entry.hash[depth]
    if (index === undefined) {
      throw new HashCollisionError(
        entries.map((e) => e.key),
        maxBucketSize,
      )
    }
    const group = groups.get(index)
    if (group === undefined) groups.set(index, [entry])
    else group.push(entry)
  }
  const node = new HamtNode(undefined, undefined, 0, (entries[0] as Entry).hash.slice(0, depth))
  for (const [index, group] of groups) {
    if (group.length <= maxBucketSize) writeBucket(node, index, group)
    else node.slots[index] = buildSubtree(group, depth + 1, maxBucketSize)
  }
  node.size = nodeMemory(node)
  return node
}
