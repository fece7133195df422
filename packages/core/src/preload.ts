import type { CID } from 'multiformats/cid'
import type { StoredContext } from './lookup.js'
import { LINK, linkCid, type StoredNode, slotKind } from './stored-node.js'

/** What `HAMT.preload` loaded. */
export interface PreloadResult {
  /** Nodes now at hand, below the root. */
  nodes: number
  /** Levels below the root fully asked for (fewer than asked when the budget stopped it). */
  levels: number
  /** Node loads that failed; a read of a key under one of them tries again and reports the error. */
  failed: number
}

/**
 * Loads the nodes of the first `depth` levels under `root`, one level at a time and every node of a
 * level at once, through `ctx.child` (so into the read cache, deduplicated with concurrent reads).
 * A level is not started when its nodes, estimated at the size of the level above, would take more
 * than `maxBytes`: loading what the cache must evict again would only cost requests.
 */
export async function preloadLevels(
  root: StoredNode,
  depth: number,
  ctx: StoredContext,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<PreloadResult> {
  const result: PreloadResult = { nodes: 0, levels: 0, failed: 0 }
  let level: StoredNode[] = [root]
  for (let d = 0; d < depth; d++) {
    signal?.throwIfAborted()
    const links: { node: StoredNode; index: number; cid: CID }[] = []
    let levelBytes = 0
    for (const node of level) {
      levelBytes += node.size
      for (let index = 0; index < 256; index++) {
        if (slotKind(node, index) === LINK) links.push({ node, index, cid: linkCid(node, index) })
      }
    }
    if (links.length === 0) break
    const perNode = levelBytes / level.length
    if (result.nodes * perNode + links.length * perNode > maxBytes) break
    const loads = links.map(({ node, index, cid }) => Promise.resolve(ctx.child(node, index, cid)))
    const settled = await Promise.allSettled(loads)
    level = []
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') level.push(outcome.value)
      else result.failed++
    }
    result.nodes += level.length
    result.levels++
  }
  return result
}
