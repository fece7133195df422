import type { Bucket } from './node.js'
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
    if (slot instanceof Map) {
      if (!slot.delete(key)) return false
      if (slot.size === 0) node.slots[index] = undefined
      break
    }
    const child = slot instanceof HamtNode ? slot : ctx.child(node, index, slot)
    node = child instanceof HamtNode ? child : await child
    path.push(node)
  }
  for (let level = path.length - 1; level > 0; level--) {
    const folded = foldIntoBucket(path[level] as HamtNode, ctx.maxBucketSize)
    if (folded === null) break
    ;(path[level - 1] as HamtNode).slots[indices[level - 1] as number] = folded
  }
  markDirty(path)
  return true
}

/**
 * The single bucket a node's keys fit in (`undefined` when it has none), or `null` when it links
 * further down or holds more than `maxBucketSize` keys.
 */
function foldIntoBucket(node: HamtNode, maxBucketSize: number): Bucket | undefined | null {
  let count = 0
  for (const slot of node.slots) {
    if (slot === undefined) continue
    if (!(slot instanceof Map)) return null
    count += slot.size
    if (count > maxBucketSize) return null
  }
  if (count === 0) return undefined
  const bucket: Bucket = new Map()
  for (const slot of node.slots) {
    if (slot instanceof Map) for (const [key, value] of slot) bucket.set(key, value)
  }
  return bucket
}
