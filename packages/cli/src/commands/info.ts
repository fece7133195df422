import { walkDag } from '@hamt/car'
import type { CID } from '@hamt/core'
import { CID as Cid } from 'multiformats/cid'
import type { Command, Context } from '../context.js'
import { decodeCbor, detectLayout, hamtNodes } from '../dataset.js'
import { expectArguments, rootArgument } from '../main.js'
import { formatBytes } from '../progress.js'
import { printJson, printLines } from './output.js'

/** What `hamt info` reports. */
export interface Info {
  root: CID
  layout: 'hamt' | 'sharded'
  /** Keys in the dataset. */
  keys: number
  /** Levels of nodes: 1 for a HAMT whose root holds every key; 2 for a sharded root and its shards. */
  depth: number
  /** HAMT nodes, or a sharded root and its shards. */
  nodes: number
  /** Bytes of those nodes. */
  nodeBytes: number
  /** Every block reachable from the root (nodes, values, UnixFS parts), unless `--shallow`. */
  blocks: number | null
  /** Their bytes, unless `--shallow`. */
  bytes: number | null
}

export const info: Command = {
  name: 'info',
  summary: 'keys, depth, nodes, bytes and layout of a dataset',
  args: '[ROOT]',
  details:
    'Walks the nodes (HAMT nodes, or a sharded root and its shards), then every block reachable from\n' +
    'the root to count the bytes, values included. --shallow skips the values (fast on a gateway).',
  options: {
    shallow: { type: 'boolean', description: 'count nodes only, not the values (blocks and bytes are then null)' },
  },
  writes: false,
  async run(context) {
    expectArguments(context, 0, 1)
    const result = await gatherInfo(context, rootArgument(context, 0))
    if (context.json) printJson(context, result)
    else {
      printLines(context, [
        `root    ${result.root.toString()}`,
        `layout  ${result.layout === 'hamt' ? 'HAMT' : 'sharded'}`,
        `keys    ${result.keys}`,
        `depth   ${result.depth}`,
        `nodes   ${result.nodes} (${formatBytes(result.nodeBytes)})`,
        result.bytes === null
          ? 'bytes   (not counted: --shallow)'
          : `bytes   ${result.bytes} (${formatBytes(result.bytes)} in ${result.blocks} blocks)`,
      ])
    }
    return 0
  },
}

async function gatherInfo(context: Context, root: CID): Promise<Info> {
  const { store, progress } = context
  const { layout, decoded } = await detectLayout(store, root)
  let keys = 0
  let depth = 0
  let nodes = 0
  let nodeBytes = 0
  if (layout === 'hamt') {
    for await (const node of hamtNodes(store, root)) {
      nodes++
      nodeBytes += node.bytes
      depth = Math.max(depth, node.depth + 1)
      for (const slot of node.slots) if (slot instanceof Map) keys += slot.size
      progress.update('nodes', nodes, undefined, `${keys} keys`)
    }
  } else {
    // The root (metadata keys) and its shards (one key per chunk present).
    keys = Object.keys((decoded as { metadata: Record<string, unknown> }).metadata).length
    nodes = 1
    nodeBytes = (await store.load(root)).length
    depth = 1
    for (const shard of shardCids(decoded)) {
      const bytes = await store.load(shard)
      const entries = decodeCbor(shard, bytes)
      nodes++
      nodeBytes += bytes.length
      depth = 2
      if (Array.isArray(entries)) keys += entries.filter((entry) => entry !== null).length
      progress.update('shards', nodes - 1)
    }
  }
  let blocks: number | null = null
  let bytes: number | null = null
  if (context.options.shallow !== true) {
    blocks = 0
    bytes = 0
    for await (const block of walkDag(store, root, { signal: context.signal, verify: false })) {
      blocks++
      bytes += block.bytes.length
      progress.update('blocks', blocks, undefined, formatBytes(bytes))
    }
  }
  return { root, layout, keys, depth, nodes, nodeBytes, blocks, bytes }
}

/** The shards of a sharded root: v2's per-array `shard_cids`, or v1's `chunks.shard_cids`. */
function shardCids(decoded: unknown): CID[] {
  const root = decoded as { arrays?: Record<string, { shard_cids?: unknown[] }>; chunks?: { shard_cids?: unknown[] } }
  const lists =
    root.arrays === undefined
      ? [root.chunks?.shard_cids ?? []]
      : Object.values(root.arrays).map((a) => a.shard_cids ?? [])
  return lists.flat().flatMap((entry) => {
    const cid = Cid.asCID(entry)
    return cid === null ? [] : [cid]
  })
}
