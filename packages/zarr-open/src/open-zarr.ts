import type { ByteRange, CallOptions, CID, Codec, ContentAddressedStore } from '@hamt/core'
import { HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import type { ValueTransform } from '@hamt/zarr-common'
import { isShardedRoot, ShardedZarrStore } from '@hamt/zarr-sharded'
import * as dagCbor from '@ipld/dag-cbor'

/** Slots of a py-hamt HAMT node: its root block is a DAG-CBOR list of this many. */
const HAMT_NODE_SLOTS = 256

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
  /** HAMT layout: levels of nodes loaded in the background on open (`ZarrHAMTStore`'s `preloadDepth`). Default 0. */
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
 * store, `ZarrHAMTStore` or `ShardedZarrStore`.
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
  const bytes = await cas.load(root)
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
    return { layout: store.manifestVersion, store }
  }
  if (Array.isArray(decoded) && decoded.length === HAMT_NODE_SLOTS) {
    const hamt = await HAMT.build<Uint8Array>({
      cas: new RootServedOnce(cas, root, bytes),
      rootNodeId: root,
      readOnly: true,
      valuesAreBytes: true,
    })
    const preload = options.preloadDepth === undefined ? {} : { preloadDepth: options.preloadDepth }
    return { layout: 'hamt', store: new ZarrHAMTStore(hamt, { ...storeOptions, ...preload }) }
  }
  throw new ZarrLayoutError(root, 'it is neither a HAMT node (a list of 256 slots) nor a map with a manifest_version')
}

/** The CAS, except that the root block already read is served from memory the first time. */
class RootServedOnce implements ContentAddressedStore {
  #root: Uint8Array | undefined

  constructor(
    readonly inner: ContentAddressedStore,
    readonly rootCid: CID,
    root: Uint8Array,
  ) {
    this.#root = root
  }

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }

  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    const root = this.#root
    if (root !== undefined && range === undefined && id.equals(this.rootCid)) {
      this.#root = undefined
      return Promise.resolve(root)
    }
    return this.inner.load(id, range, options)
  }
}
