import { type CID, type ContentAddressedStore, HAMT } from '@hamt/core'
import { isMetadataKey, type ValueTransform } from '@hamt/zarr-common'
import { DEFAULT_CHUNKS_PER_SHARD, ShardedZarrStore } from './sharded-zarr-store.js'

/** Progress of {@link convertHamtToSharded}. */
export interface ConvertProgress {
  /** Keys copied so far. */
  copied: number
  /** Keys in the source. */
  total: number
}

/** Options of {@link convertHamtToSharded}. */
export interface ConvertOptions {
  /** Chunk CIDs per shard. Default 6,250, as py-hamt's converter. */
  chunksPerShard?: number
  /** Called after every key copied. */
  onProgress?: (progress: ConvertProgress) => void
  /** The source's value transform (its metadata is read to register arrays); the copy keeps the same bytes. */
  transform?: ValueTransform
}

/**
 * Converts a Zarr dataset in a HAMT (`ZarrHAMTStore`, py-hamt's default layout) to a
 * `sharded_zarr_v2` store on the same CAS and returns its root CID. Copies pointers, never chunk
 * bytes: the only blocks written are the shards, implicit group metadata, and the root.
 */
export async function convertHamtToSharded(
  cas: ContentAddressedStore,
  hamtRoot: CID,
  options: ConvertOptions = {},
): Promise<CID> {
  const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: hamtRoot, readOnly: true, valuesAreBytes: true })
  const keys: string[] = []
  for await (const key of hamt.keys()) keys.push(key)
  // Arrays are registered by their metadata: it goes first, so every chunk finds its shard index.
  const ordered = [...keys.filter(isMetadataKey).sort(byDepth), ...keys.filter((key) => !isMetadataKey(key))]
  const store = ShardedZarrStore.create(cas, {
    chunksPerShard: options.chunksPerShard ?? DEFAULT_CHUNKS_PER_SHARD,
    ...(options.transform === undefined ? {} : { transform: options.transform }),
  })
  let copied = 0
  for (const key of ordered) {
    const pointer = await hamt.getPointer(key)
    if (pointer !== undefined) await store.setPointer(key, pointer)
    copied++
    options.onProgress?.({ copied, total: ordered.length })
  }
  return store.commit()
}

/** Parents before children, so a group's own metadata is there before its arrays'. */
function byDepth(a: string, b: string): number {
  const depth = (key: string): number => key.split('/').length
  return depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0)
}
