import type { Block, ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '@hamt/core'
import { HAMT, keyChainPath } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import type { ValueTransform } from '@hamt/zarr-common'
import { isShardedRoot, ShardedZarrStore } from '@hamt/zarr-sharded'
import * as dagCbor from '@ipld/dag-cbor'

/** Slots of a py-hamt HAMT node: its root block is a DAG-CBOR list of this many. */
const HAMT_NODE_SLOTS = 256
/** The IPLD path of the root group metadata's chain of nodes in a HAMT. */
const ROOT_METADATA_CHAIN = keyChainPath('zarr.json')

/** The layouts {@link openZarr} recognises. */
export type ZarrLayout = 'hamt' | 'sharded_zarr_v1' | 'sharded_zarr_v2'

/** A read-only zarrita store of either layout. */
export type OpenedZarrStore = ZarrHAMTStore | ShardedZarrStore

/** Options of {@link openZarr}. */
export interface OpenZarrOptions {
  /** The dataset's value transform (`encryptionTransform` of `@hamt/zarr-encrypted`), if it is encrypted. */
  transform?: ValueTransform
  /**
   * The store's `concurrency`: saves in flight (default 32) and, when given, loads too; by default loads
   * are bounded by the CAS alone (KuboCAS: its `concurrency`).
   */
  concurrency?: number
  /**
   * HAMT layout: levels of nodes loaded in the background on open (`ZarrHAMTStore`'s `preloadDepth`). By
   * default, level 1 when `zarr.json`'s nodes show it is the tree's last level and small.
   */
  preloadDepth?: number
  /** Sharded layout: shards loaded in the background on open (`ShardedZarrStore`'s `prefetchShards`). Default 8. */
  prefetchShards?: number
}

/** A root block that is neither a HAMT node nor a sharded store's root. */
export class ZarrLayoutError extends Error {
  /** Machine-readable code. */
  readonly code = 'ERR_ZARR_LAYOUT'
  /** The root that was not recognised. */
  readonly cid: CID

  constructor(cid: CID, reason: string, options?: ErrorOptions) {
    super(`${cid.toString()} is not the root of a Zarr dataset in a HAMT or a sharded store: ${reason}`, options)
    this.name = 'ZarrLayoutError'
    this.cid = cid
  }
}

/**
 * Opens any py-hamt Zarr dataset by its root CID alone: reads the root block once, recognises the
 * layout (a HAMT node, or a `sharded_zarr_v1`/`v2` manifest) and returns the matching read-only
 * store, `ZarrHAMTStore` or `ShardedZarrStore`, which has started reading the root group's
 * `zarr.json` in the background. When the store has `loadPath` (`KuboCAS`), the root comes with the
 * HAMT nodes that lead to `zarr.json`, in the same round trip.
 *
 * @example
 * ```ts
 * import * as zarr from 'zarrita'
 * import { CID } from '@hamt/core'
 * import { InMemoryCAS } from '@hamt/cas-memory'
 * import { openZarr } from '@hamt/zarr-open'
 *
 * async function firstValue(cas: InMemoryCAS, root: CID) {
 *   const store = await openZarr(cas, root)
 *   const temp = await zarr.open(zarr.root(store).resolve('temp'), { kind: 'array' })
 *   return zarr.get(temp, [0, 0, 0])
 * }
 * ```
 *
 * @throws {ZarrLayoutError} when the root block is neither layout.
 * @throws {ShardedZarrError} when it is a sharded root that is inconsistent.
 */
export async function openZarr(
  cas: ContentAddressedStore,
  root: CID,
  options: OpenZarrOptions = {},
): Promise<OpenedZarrStore> {
  return (await openZarrWithLayout(cas, root, options)).store
}

/** {@link openZarr}, also telling which layout the root holds. */
export async function openZarrWithLayout(
  cas: ContentAddressedStore,
  root: CID,
  options: OpenZarrOptions = {},
): Promise<{
  /** Which layout the root holds. */
  layout: ZarrLayout
  /** The store opened on it, read-only. */
  store: OpenedZarrStore
}> {
  // The root, with the nodes of `zarr.json`'s chain when it is a HAMT and the store can fetch paths:
  // every reader's first question is the root group's metadata.
  const blocks: readonly Block[] = cas.loadPath === undefined ? [] : await cas.loadPath(root, ROOT_METADATA_CHAIN)
  const bytes = blocks.find((block) => block.cid.equals(root))?.bytes ?? (await cas.load(root))
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new ZarrLayoutError(root, 'the root block is not DAG-CBOR', { cause })
  }
  const storeOptions = {
    ...(options.transform === undefined ? {} : { transform: options.transform }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  }
  if (isShardedRoot(decoded)) {
    const prefetch = options.prefetchShards === undefined ? {} : { prefetchShards: options.prefetchShards }
    const store = ShardedZarrStore.fromRoot(cas, root, decoded, { ...storeOptions, ...prefetch })
    return { layout: store.manifestVersion, store: readingRootMetadata(store) }
  }
  if (Array.isArray(decoded) && decoded.length === HAMT_NODE_SLOTS) {
    const hamt = await HAMT.build<Uint8Array>({
      cas: new SeededStore(cas, blocks.length > 0 ? blocks : [{ cid: root, bytes }]),
      rootNodeId: root,
      readOnly: true,
      valuesAreBytes: true,
    })
    const preload = options.preloadDepth === undefined ? {} : { preloadDepth: options.preloadDepth }
    return { layout: 'hamt', store: readingRootMetadata(new ZarrHAMTStore(hamt, { ...storeOptions, ...preload })) }
  }
  throw new ZarrLayoutError(root, 'it is neither a HAMT node (a list of 256 slots) nor a map with a manifest_version')
}

/**
 * `store`, once it has started reading the root group's `zarr.json` in the background: every reader
 * asks for it first (or for an array's, which a consolidated dataset answers from it), and zarrita's
 * `open` first probes for Zarr v2 metadata, a round trip this read now overlaps. The store caches the
 * answer; a failure is not kept, so the reader's own request reports it.
 */
function readingRootMetadata<S extends OpenedZarrStore>(store: S): S {
  store.get('zarr.json').catch(() => undefined)
  return store
}

/**
 * The CAS, except that blocks already read (the root, and the nodes of `zarr.json`'s chain that came
 * with it) are served from memory, each once: the HAMT asks for them as it opens and reads `zarr.json`.
 */
class SeededStore implements ContentAddressedStore {
  readonly #seeds: Block[]

  constructor(
    readonly inner: ContentAddressedStore,
    seeds: readonly Block[],
  ) {
    this.#seeds = [...seeds]
  }

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }

  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const seed = range === undefined ? this.#take(id) : undefined
    return seed === undefined ? this.inner.load(id, range, options) : Promise.resolve(seed.bytes)
  }

  loadPath(root: CID, path: readonly string[], options?: CallOptions): Promise<readonly Block[]> {
    const seed = this.#take(root)
    // Whatever else is seeded comes along: the HAMT keeps the blocks it finds linked under the root.
    if (seed !== undefined) return Promise.resolve([seed, ...this.#seeds.splice(0)])
    return this.inner.loadPath === undefined
      ? this.inner.load(root, undefined, options).then((bytes) => [{ cid: root, bytes }])
      : this.inner.loadPath(root, path, options)
  }

  #take(id: CID): Block | undefined {
    const at = this.#seeds.findIndex((seed) => seed.cid.equals(id))
    return at < 0 ? undefined : this.#seeds.splice(at, 1)[0]
  }
}
