import { type CID, type ContentAddressedStore, HAMT } from '@hamt/core'
import type { ValueTransform } from '@hamt/zarr-common'
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
  // Metadata first, so every array registers its shard index before its chunks arrive; both passes keep
  // the HAMT's key order, as py-hamt's converter does (the order decides, e.g., whether a pyramid's
  // root group is written before or after its arrays are registered).
  const ordered = [...keys.filter(isZarrMetadata), ...keys.filter((key) => !isZarrMetadata(key))]
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

const METADATA_SUFFIXES = ['zarr.json', '.zarray', '.zattrs', '.zgroup', '.zmetadata']

function isZarrMetadata(key: string): boolean {
  return METADATA_SUFFIXES.some((suffix) => key.endsWith(suffix))
}
