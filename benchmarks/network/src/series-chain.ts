import type { LayoutName } from './reads.js'

/** How the dataset is read: with the root's consolidated metadata, with path CARs. */
export interface ChainSettings {
  consolidated: boolean
  pathReads: boolean
}

/**
 * The round trips one after another before open + time series is in, by layout: zarrita reads the
 * array's metadata before it can name a chunk, so the metadata's walk and the chunks' walk cannot
 * overlap. With path reads, the open's first request brings the root with the nodes that lead to
 * `zarr.json`, and a later lookup's nodes come in one request; with consolidated metadata, the root
 * group's `zarr.json` answers the array's.
 */
export function seriesChain(layout: LayoutName, { consolidated, pathReads }: ChainSettings): string[] {
  if (layout === 'plain') return ['zarr.json', 'chunks']
  if (layout === 'sharded') return ['root', 'zarr.json ∥ shard index', 'chunks']
  const metadata = consolidated ? 'zarr.json (consolidated)' : 'temp/zarr.json'
  const root = pathReads ? 'root with zarr.json’s nodes' : 'root'
  if (layout === 'hamt-preload') {
    // Every level-1 node is loaded as soon as the root is in: the metadata's among them, unless the
    // open brought it.
    return pathReads && consolidated
      ? [root, `${metadata} ∥ every level-1 node`, 'chunks']
      : [root, 'every level-1 node', metadata, 'chunks']
  }
  const metadataNode =
    pathReads && consolidated ? [] : [`${consolidated ? 'zarr.json' : 'temp/zarr.json'}’s level-1 node`]
  return [root, ...metadataNode, metadata, 'the chunks’ level-1 nodes', 'chunks']
}
