import { bucketSize } from './bucket-bytes.js'
import { type BucketEntry, bucketEntries, dropEntry, writeBucket } from './bucket-writer.js'
import { HamtNode, markDirty } from './node.js'
import type { TreeContext } from './tree-context.js'

/**
 * The delete path. Removes `key`, then folds every node on the path that no longer holds more than
 * `maxBucketSize` keys back into a bucket in its parent, bottom-up. After any mix of inserts and
 * deletes the tree is the one inserting its contents into an empty HAMT gives (py-hamt only prunes
 * empty nodes, so its trees depend on their history).
 *
 * @returns whether the key was there.
 */
export async function removeEntry(root: HamtNode, key: string, hash: Uint8Array, ctx: TreeContext): Promise<boolean> {
  const path: HamtNode[] = [root]
  const indices: number[] = []
  let node = root
  for (let depth = 0; ; depth++) {
    const index = hash[depth]
    if (index === undefined) return false
    indices.push(index)
    const slot = node.slots[index]
    if (slot === undefined) return false
    if (typeof slot === 'number') {
      if (!dropEntry(node, index, key)) return false
      break
    }
    const child = slot instanceof HamtNode ? slot : ctx.child(node, index, slot)
    node = child instanceof HamtNode ? child : await child
    path.push(node)
  }
  for (let level = path.length - 1; level > 0; level--) {
    const folded = foldedEntries(path[level] as HamtNode, ctx.maxBucketSize)
    if (folded === null) break
    const parent = path[level - 1] as HamtNode
    const index = indices[level - 1] as number
    if (folded.length === 0) parent.slots[index] = undefined
    else writeBucket(parent, index, folded)
  }
  markDirty(path)
  return true
}

/**
 * The entries of a node that fit in a single bucket (none when it is empty), or `null` when it links
 * further down or holds more than `maxBucketSize` keys.
 */
function foldedEntries(node: HamtNode, maxBucketSize: number): BucketEntry[] | null {
  let count = 0
  for (const slot of node.slots) {
    if (slot === undefined) continue
    if (typeof slot !== 'number') return null
    count += bucketSize(node.data, slot)
    if (count > maxBucketSize) return null
  }
  const entries: BucketEntry[] = []
  for (const slot of node.slots) if (typeof slot === 'number') entries.push(...bucketEntries(node.data, slot))
  return entries
}
