import type { CID } from 'multiformats/cid'
import { HamtNode } from './node.js'
import { encodeNode } from './node-encoder.js'

/**
 * Saves every changed node under `node`, children before parents (a parent's block holds its
 * children's CIDs), siblings concurrently; `save` bounds the concurrency. A node is marked saved only
 * once its own save succeeded, so after a failure a second flush saves exactly what is missing.
 */
export async function flush(node: HamtNode, save: (bytes: Uint8Array) => Promise<CID>): Promise<CID> {
  if (node.cid !== undefined) return node.cid
  const children: Promise<CID>[] = []
  // Indexed, not for-of: a commit runs this a few hundred times, often before the JIT has optimized
  // it (it deoptimizes at every root, the only node with children in a small tree), and an array
  // iterator costs several times as much then.
  const slots = node.slots
  for (let index = 0; index < slots.length; index++) {
    const slot = slots[index]
    if (slot instanceof HamtNode && slot.cid === undefined) children.push(flush(slot, save))
  }
  if (children.length > 0) {
    // Let every sibling finish before failing, so nothing keeps writing after the error surfaces.
    const results = await Promise.allSettled(children)
    for (const result of results) if (result.status === 'rejected') throw result.reason
  }
  const bytes = encodeNode(node)
  const cid = await save(bytes)
  node.cid = cid
  return cid
}
