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
 * group's `zarr.json` answers the array's. A HAMT store loads all of level 1 by default once
 * `zarr.json`'s nodes show it is the last and small (this dataset's is), as `preloadDepth: 1` does as
 * soon as the root is in: either way the chunks find their nodes at hand.
 */
export function seriesChain(layout: LayoutName, { consolidated, pathReads }: ChainSettings): string[] {
  if (layout === 'plain') return ['zarr.json', 'chunks']
  if (layout === 'sharded') return ['root', 'zarr.json ∥ shard index', 'chunks']
  const metadata = consolidated ? 'zarr.json (consolidated)' : 'temp/zarr.json'
  if (pathReads && consolidated) return ['root with zarr.json’s nodes', `${metadata} ∥ every level-1 node`, 'chunks']
  if (pathReads) return ['root with zarr.json’s nodes', 'every level-1 node', metadata, 'chunks']
  if (layout === 'hamt-preload') return ['root', 'every level-1 node', metadata, 'chunks']
  return ['root', 'zarr.json’s level-1 node', `${metadata} ∥ every level-1 node`, 'chunks']
}
