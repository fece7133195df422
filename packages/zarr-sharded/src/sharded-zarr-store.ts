import {
  type CID,
  type ContentAddressedStore,
  InvalidOptionError,
  InvalidValueError,
  ReadOnlyError,
  sliceRange,
} from '@hamt/core'
import {
  abortable,
  isMetadataKey,
  KeyIndex,
  MetadataCache,
  toByteRange,
  toDirPrefix,
  toHamtKey,
  ValueCache,
  type ValueTransform,
} from '@hamt/zarr-common'
import * as dagCbor from '@ipld/dag-cbor'
import pLimit, { type LimitFunction } from 'p-limit'
import type { AsyncMutable, GetOptions, RangeQuery } from 'zarrita'
import { type ChunkRef, chunkKey, resolveChunk } from './chunk-key.js'
import { ShardedZarrError } from './errors.js'
import { ArrayIndex, coordsOf } from './geometry.js'
import {
  type Manifest,
  type ManifestVersion,
  manifestToRoot,
  newV2Rest,
  parseManifest,
  SHARDED_ZARR_V1,
  SHARDED_ZARR_V2,
  trimSlashes,
} from './manifest.js'
import { dumps, parseJson } from './py-json.js'
import { type CachedShard, ShardCache } from './shard-cache.js'
import { decodeShard, encodeShard, readShardHeader, shardFormatError } from './shard-codec.js'

const DAG_PB = 0x70
const DEFAULT_CONCURRENCY = 32
const DEFAULT_SHARD_CACHE_MAX_BYTES = 100 * 1024 * 1024
const DEFAULT_RANGE_CACHE_MAX_BYTES = 64 * 1024 * 1024
const DEFAULT_HOT_AFTER = 16
const DEFAULT_PREFETCH_SHARDS = 8
/** py-hamt's converter default. */
export const DEFAULT_CHUNKS_PER_SHARD = 6250
/** What py-hamt writes for a group it creates implicitly (Python's `json.dumps` spacing). */
const IMPLICIT_GROUP = new TextEncoder().encode('{"zarr_format": 3, "node_type": "group", "attributes": {}}')
/** The same for Zarr v2 metadata (`.zgroup`). */
const IMPLICIT_V2_GROUP = new TextEncoder().encode('{"zarr_format": 2}')
const utf8 = new TextDecoder()

/** Options of every {@link ShardedZarrStore}. */
export interface ShardedZarrStoreOptions {
  /**
   * Saves in flight at once (default 32), and, when given, loads too (zarrita fires every chunk request
   * of a selection together). By default loads are bounded by the CAS alone (KuboCAS: its
   * `concurrency`), so raising the CAS's limit is enough and the two limits never compound.
   */
  concurrency?: number
  /** Byte budget of the shard cache (least recently used out first; unsaved shards stay). Default 100 MiB, as py-hamt. */
  shardCacheMaxBytes?: number
  /**
   * Single-entry reads of a shard answered by scanning its bytes (py-hamt's sparse mode) before the
   * shard is indexed whole, so every later read is direct. Default 16; 1 indexes on first use.
   */
  hotShardAfter?: number
  /** Byte budget of the cache of whole values kept for range reads. Default 64 MiB. */
  rangeCacheMaxBytes?: number
  /** Rewrites every value, metadata included: `encryptionTransform` of `@hamt/zarr-encrypted`. */
  transform?: ValueTransform
  /**
   * Read-only stores: shards loaded as soon as the store is opened, in the background, alongside the
   * first metadata reads, so the first chunk read finds its shard at hand (one round trip less). The
   * first shard of each array comes first, then the second of each, and so on, up to this many.
   * Default 8; 0 turns it off.
   */
  prefetchShards?: number
}

/** Options of {@link ShardedZarrStore.open}. */
export interface OpenShardedOptions extends ShardedZarrStoreOptions {
  /** Open for writing (v2 roots only). Default `false`. */
  writable?: boolean
}

/** Options of {@link ShardedZarrStore.create}. */
export interface CreateShardedOptions extends ShardedZarrStoreOptions {
  /** Chunk CIDs per shard for every array. Default 6,250 (py-hamt's converter default). */
  chunksPerShard?: number
}

/** Options of {@link ShardedZarrStore.commit}. */
export interface ShardedCommitOptions {
  /** `false` (default): the store becomes read-only. `true`: it stays writable. */
  keepWritable?: boolean
}

/**
 * py-hamt's `ShardedZarrStore` for zarrita. The chunk CIDs of each array sit in flat DAG-CBOR lists
 * ("shards") named by the root block, so reading a chunk costs one shard load per `chunksPerShard`
 * chunks instead of a HAMT walk. Opens `sharded_zarr_v1` and `sharded_zarr_v2` roots; creates v2,
 * with the same root CID py-hamt computes for the same dataset written the same way.
 *
 * A chunk absent from its shard (a null entry or a null shard) reads as `undefined` (zarrita's fill
 * value); a shard or chunk that fails to load is an error, never a fill value.
 *
 * @example
 * ```ts
 * import * as zarr from 'zarrita'
 * import { InMemoryCAS } from '@hamt/cas-memory'
 * import { ShardedZarrStore } from '@hamt/zarr-sharded'
 *
 * const cas = new InMemoryCAS()
 * const store = ShardedZarrStore.create(cas, { chunksPerShard: 1024 })
 * const arr = await zarr.create(zarr.root(store).resolve('temp'), { shape: [4], chunkShape: [2], dtype: 'float32' })
 * await zarr.set(arr, null, 1.5)
 * const root = await store.commit()
 * const reader = await ShardedZarrStore.open(cas, root)
 * ```
 */
export class ShardedZarrStore implements AsyncMutable {
  /** Where blocks are loaded and saved. */
  readonly cas: ContentAddressedStore
  readonly #manifest: Manifest
  readonly #transform: ValueTransform | undefined
  readonly #limit: LimitFunction
  /** The limit of loads: the store's only when `concurrency` was given, else none (the CAS's). */
  readonly #readLimit: <T>(load: () => Promise<T>) => Promise<T>
  readonly #shards: ShardCache
  readonly #ranges: ValueCache
  readonly #metadataCache: MetadataCache
  readonly #writes = new Set<Promise<unknown>>()
  /** Metadata writes run one at a time: they may resize a shard index. */
  #metadataChain: Promise<unknown> = Promise.resolve()
  /** Pointer updates in flight; a resize waits for them, and they wait for a resize. */
  readonly #pointerOps = new Set<Promise<unknown>>()
  #resizing: Promise<void> | undefined
  #rootCid: CID | undefined
  #dirtyRoot: boolean
  #readOnly: boolean
  #keyIndex: Promise<KeyIndex> | undefined

  private constructor(
    cas: ContentAddressedStore,
    manifest: Manifest,
    rootCid: CID | undefined,
    readOnly: boolean,
    options: ShardedZarrStoreOptions,
  ) {
    const {
      concurrency = DEFAULT_CONCURRENCY,
      shardCacheMaxBytes = DEFAULT_SHARD_CACHE_MAX_BYTES,
      hotShardAfter = DEFAULT_HOT_AFTER,
      rangeCacheMaxBytes = DEFAULT_RANGE_CACHE_MAX_BYTES,
      prefetchShards = DEFAULT_PREFETCH_SHARDS,
    } = options
    positiveInteger('concurrency', concurrency, 1)
    positiveInteger('prefetchShards', prefetchShards, 0)
    positiveInteger('shardCacheMaxBytes', shardCacheMaxBytes, 0)
    positiveInteger('hotShardAfter', hotShardAfter, 1)
    positiveInteger('rangeCacheMaxBytes', rangeCacheMaxBytes, 0)
    if (cas === null || typeof cas !== 'object' || typeof cas.load !== 'function') {
      throw new InvalidOptionError('ShardedZarrStore needs a ContentAddressedStore')
    }
    this.cas = cas
    this.#manifest = manifest
    this.#rootCid = rootCid
    this.#dirtyRoot = rootCid === undefined
    this.#readOnly = readOnly
    this.#transform = options.transform
    this.#limit = pLimit(concurrency)
    this.#readLimit = options.concurrency === undefined ? (load) => load() : this.#limit
    this.#shards = new ShardCache(shardCacheMaxBytes, hotShardAfter)
    this.#ranges = new ValueCache(rangeCacheMaxBytes)
    this.#metadataCache = new MetadataCache(
      this.#transform === undefined ? 'is the dataset encrypted? pass its encryptionTransform' : undefined,
    )
    if (readOnly) this.#prefetch(prefetchShards)
  }

  /**
   * Opens the store whose root block is `root` (v1 or v2), read-only unless `writable`.
   *
   * @throws {ShardedZarrError} for a root of neither layout or an inconsistent one.
   * @throws {ReadOnlyError} when `writable` is asked of a v1 root (deprecated upstream; read-only here).
   */
  static async open(
    cas: ContentAddressedStore,
    root: CID,
    options: OpenShardedOptions = {},
  ): Promise<ShardedZarrStore> {
    const bytes = await cas.load(root)
    let decoded: unknown
    try {
      decoded = dagCbor.decode(bytes)
    } catch (cause) {
      throw new ShardedZarrError(
        'ERR_SHARDED_ROOT',
        `root ${root.toString()} is not DAG-CBOR`,
        { cid: root },
        { cause },
      )
    }
    return ShardedZarrStore.fromRoot(cas, root, decoded, options)
  }

  /** Opens a store from its root block already decoded (what `openZarr` does after one load). */
  static fromRoot(
    cas: ContentAddressedStore,
    root: CID,
    decoded: unknown,
    options: OpenShardedOptions = {},
  ): ShardedZarrStore {
    const manifest = parseManifest(root, decoded)
    if (options.writable === true && manifest.version === SHARDED_ZARR_V1) {
      throw new ReadOnlyError(
        `write to ${root.toString()}: sharded_zarr_v1 is deprecated and opened read-only; convert it`,
      )
    }
    return new ShardedZarrStore(cas, manifest, root, options.writable !== true, options)
  }

  /** A new, empty, writable v2 store. */
  static create(cas: ContentAddressedStore, options: CreateShardedOptions = {}): ShardedZarrStore {
    const { chunksPerShard = DEFAULT_CHUNKS_PER_SHARD } = options
    positiveInteger('chunksPerShard', chunksPerShard, 1)
    const manifest: Manifest = {
      version: SHARDED_ZARR_V2,
      metadata: new Map(),
      arrays: new Map(),
      defaultChunksPerShard: chunksPerShard,
      primaryArrayPath: undefined,
      rest: newV2Rest(chunksPerShard),
    }
    return new ShardedZarrStore(cas, manifest, undefined, false, options)
  }

  /** The manifest version of the root. */
  get manifestVersion(): ManifestVersion {
    return this.#manifest.version
  }

  /** Whether writes are refused. */
  get readOnly(): boolean {
    return this.#readOnly
  }

  /** The root CID as of the last open or commit; `undefined` for a new store never committed. */
  get rootCid(): CID | undefined {
    return this.#rootCid
  }

  /** Paths of the arrays that have a shard index (v1: `''`). */
  get arrayPaths(): string[] {
    return [...this.#manifest.arrays.keys()]
  }

  /** Bytes of memory the shard cache holds now, and how many shards. */
  get shardCacheStats(): {
    /** Bytes of memory held, estimated. */
    bytes: number
    /** Shards held. */
    shards: number
  } {
    return { bytes: this.#shards.bytes, shards: this.#shards.size }
  }

  /** The value of `key`, or `undefined` when it is absent (a chunk absent from its shard). */
  async get(key: string, options?: GetOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal
    signal?.throwIfAborted()
    const storeKey = toHamtKey(key)
    if (isMetadataKey(storeKey)) {
      return this.#metadataCache.read(storeKey, async () => {
        const cid = this.#manifest.metadata.get(storeKey)
        return cid === undefined ? undefined : this.#loadValue(storeKey, cid, signal)
      })
    }
    const cid = await this.#locate(storeKey, signal)
    if (cid === undefined) return undefined
    const value = await this.#loadValue(storeKey, cid, signal)
    return this.#readOnly ? value : value.slice()
  }

  /**
   * `length` bytes from `offset`, or the last `suffixLength` bytes, of `key`'s value; `undefined`
   * when the key is absent.
   *
   * @throws {InvalidRangeError} for a malformed range or an offset past the end of the value.
   */
  async getRange(key: string, range: RangeQuery, options?: GetOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal
    signal?.throwIfAborted()
    const byteRange = toByteRange(range)
    const storeKey = toHamtKey(key)
    if (isMetadataKey(storeKey)) {
      const whole = await this.get(storeKey, options)
      return whole === undefined ? undefined : sliceRange(whole, byteRange)
    }
    const cid = await this.#locate(storeKey, signal)
    if (cid === undefined) return undefined
    if (this.#transform === undefined && cid.code === DAG_PB) {
      return this.#readLimit(() => this.cas.load(cid, byteRange, { signal }))
    }
    const whole = this.#ranges.get(cid.toString(), () => this.#loadValue(storeKey, cid, undefined))
    const slice = sliceRange(await abortable(whole, signal), byteRange)
    return this.#readOnly ? slice : slice.slice()
  }

  /** Whether `key` is present. */
  async has(key: string): Promise<boolean> {
    const storeKey = toHamtKey(key)
    if (isMetadataKey(storeKey)) return this.#manifest.metadata.has(storeKey)
    return (await this.#locate(storeKey, undefined)) !== undefined
  }

  /**
   * Stores `value` under `key`. Array metadata (`<path>/zarr.json` with a shape) registers the
   * array's shard index, or resizes it: growing the first dimension only extends the index.
   *
   * @throws {ReadOnlyError} on a read-only store.
   * @throws {InvalidValueError} when `value` is not a `Uint8Array`.
   * @throws {ShardedZarrError} for a chunk key outside its array's grid, or metadata that changes an array's chunk shape.
   */
  async set(key: string, value: Uint8Array): Promise<void> {
    const storeKey = toHamtKey(key)
    if (!(value instanceof Uint8Array)) throw new InvalidValueError(storeKey, 'Zarr values must be Uint8Arrays')
    this.#assertWritable(`set ${JSON.stringify(storeKey)}`)
    if (isMetadataKey(storeKey) || arrayPathOf(storeKey) !== undefined) {
      const copy = value.slice()
      await this.#track(
        this.#serialMetadata(
          storeKey,
          () => this.#setMetadata(storeKey, copy),
          (stored) => stored,
        ),
      )
      return
    }
    await this.#track(this.#setValue(storeKey, value))
  }

  /**
   * Points `key` at a block already in the CAS, without copying its bytes (what the converter does;
   * py-hamt's `set_pointer`). Metadata is loaded to register its array.
   *
   * @throws {ReadOnlyError} on a read-only store.
   * @throws {ShardedZarrError} for a chunk key outside its array's grid.
   */
  async setPointer(key: string, cid: CID): Promise<void> {
    const storeKey = toHamtKey(key)
    this.#assertWritable(`set ${JSON.stringify(storeKey)}`)
    if (!isMetadataKey(storeKey) && arrayPathOf(storeKey) === undefined) {
      await this.#track(this.#put(storeKey, cid))
      return
    }
    await this.#track(
      this.#serialMetadata(
        storeKey,
        async () => {
          const value = await this.#loadValue(storeKey, cid, undefined)
          const stripped = this.#stripGroupedConsolidated(storeKey, value)
          const pointer =
            stripped === value ? cid : await this.#limit(() => this.cas.save(this.#encode(storeKey, stripped), 'raw'))
          await this.#register(storeKey, stripped)
          if (this.#manifest.version === SHARDED_ZARR_V2) await this.#ensureParentGroups(storeKey)
          this.#manifest.metadata.set(storeKey, pointer)
          this.#changed()
        },
        () => undefined,
      ),
    )
  }

  /**
   * Removes `key`; removing an absent key is not an error.
   *
   * @returns whether the key was present.
   * @throws {ReadOnlyError} on a read-only store.
   */
  async delete(key: string): Promise<boolean> {
    const storeKey = toHamtKey(key)
    this.#assertWritable(`delete ${JSON.stringify(storeKey)}`)
    if (isMetadataKey(storeKey)) {
      return this.#track(
        this.#serialMetadata(
          storeKey,
          async () => {
            const had = this.#manifest.metadata.delete(storeKey)
            if (had) this.#changed()
            return had
          },
          () => undefined,
        ),
      )
    }
    return this.#track(this.#put(storeKey, null))
  }

  /** Every key (no leading `/`): metadata, then chunks, sorted. Loads every shard of every array. */
  async *list(): AsyncGenerator<string> {
    yield* (await this.#index()).all()
  }

  /** Keys that start with `prefix` (a leading `/` is ignored), sorted. */
  async *listPrefix(prefix: string): AsyncGenerator<string> {
    yield* (await this.#index()).withPrefix(toHamtKey(prefix))
  }

  /** Names of the immediate children of directory `prefix`, each once (py-hamt's `list_dir`). */
  async *listDir(prefix: string): AsyncGenerator<string> {
    yield* (await this.#index()).children(toDirPrefix(prefix))
  }

  /**
   * Waits for writes in flight, saves every changed shard and then the root, and returns the root
   * CID. A failing save leaves the last root intact; committing again completes.
   */
  async commit(options: ShardedCommitOptions = {}): Promise<CID> {
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes])
    for (const key of this.#shards.dirtyKeys().sort()) {
      const shard = this.#shards.peek(key)
      if (shard?.kind !== 'edited') continue
      const { path, number } = parseShardKey(key)
      const array = this.#manifest.arrays.get(path)
      if (array === undefined || number >= array.numShards) {
        this.#shards.delete(key)
        continue
      }
      const cid = await this.cas.save(encodeShard(shard.entries), 'dag-cbor')
      if (!(array.shardCids[number]?.equals(cid) ?? false)) {
        array.shardCids[number] = cid
        this.#dirtyRoot = true
      }
      this.#shards.markClean(key)
    }
    if (this.#dirtyRoot || this.#rootCid === undefined) {
      this.#rootCid = await this.cas.save(dagCbor.encode(manifestToRoot(this.#manifest)), 'dag-cbor')
      this.#dirtyRoot = false
    }
    if (options.keepWritable !== true) this.#readOnly = true
    this.#keyIndex = undefined
    return this.#rootCid
  }

  #assertWritable(operation: string): void {
    if (this.#readOnly) {
      throw new ReadOnlyError(
        this.#manifest.version === SHARDED_ZARR_V1 ? `${operation} (sharded_zarr_v1 is read-only here)` : operation,
      )
    }
  }

  #changed(): void {
    this.#dirtyRoot = true
    this.#keyIndex = undefined
  }

  async #track<T>(work: Promise<T>): Promise<T> {
    this.#writes.add(work)
    try {
      return await work
    } finally {
      this.#writes.delete(work)
    }
  }

  /** Runs metadata writes one after another, keeping the metadata cache coherent. */
  #serialMetadata<T>(key: string, run: () => Promise<T>, after: (result: T) => Uint8Array | undefined): Promise<T> {
    this.#metadataCache.beginWrite(key)
    const done = this.#metadataChain.then(async () => {
      let cached: Uint8Array | undefined
      try {
        const result = await run()
        cached = after(result)
        return result
      } finally {
        this.#metadataCache.endWrite(key, cached)
      }
    })
    this.#metadataChain = done.catch(() => undefined)
    return done
  }

  /** @returns the bytes stored (the root group's consolidation stripped when py-hamt strips it). */
  async #setMetadata(key: string, given: Uint8Array): Promise<Uint8Array> {
    const value = this.#stripGroupedConsolidated(key, given)
    await this.#register(key, value)
    if (this.#manifest.version === SHARDED_ZARR_V2) await this.#ensureParentGroups(key)
    const cid = await this.#limit(() => this.cas.save(this.#encode(key, value), 'raw'))
    this.#manifest.metadata.set(key, cid)
    this.#changed()
    return value
  }

  /**
   * py-hamt drops the root group's consolidated metadata when every array of a v2 store sits in a
   * group (a pyramid: readers open one level, and a root consolidation would list all of them),
   * re-serialised as Python's `json.dumps` writes it.
   */
  #stripGroupedConsolidated(key: string, value: Uint8Array): Uint8Array {
    const arrays = this.#manifest.arrays
    if (key !== 'zarr.json' || this.#manifest.version !== SHARDED_ZARR_V2 || arrays.size === 0) return value
    if (![...arrays.keys()].every((path) => path.includes('/'))) return value
    let tree: ReturnType<typeof parseJson>
    try {
      tree = parseJson(utf8.decode(value))
    } catch {
      return value
    }
    if (!(tree instanceof Map) || tree.get('node_type') !== 'group' || !tree.has('consolidated_metadata')) return value
    tree.delete('consolidated_metadata')
    return new TextEncoder().encode(dumps(tree))
  }

  async #setValue(key: string, value: Uint8Array): Promise<void> {
    await this.#metadataChain
    // A key outside its grid fails before any block is saved.
    resolveChunk(this.#manifest, key)
    const cid = await this.#limit(() => this.cas.save(this.#encode(key, value), 'raw'))
    await this.#put(key, cid)
  }

  /** Points `key` at `cid` (or clears it, `null`): a shard entry or a plain entry. */
  async #put(key: string, cid: CID | null): Promise<boolean> {
    await this.#metadataChain
    while (this.#resizing !== undefined) await this.#resizing
    const op = this.#putNow(key, cid)
    this.#pointerOps.add(op)
    try {
      return await op
    } finally {
      this.#pointerOps.delete(op)
    }
  }

  async #putNow(key: string, cid: CID | null): Promise<boolean> {
    const ref = resolveChunk(this.#manifest, key)
    if (ref === undefined) {
      const had = this.#manifest.metadata.has(key)
      if (cid === null) this.#manifest.metadata.delete(key)
      else this.#manifest.metadata.set(key, cid)
      if (had || cid !== null) this.#changed()
      return had
    }
    const { shardKey, index } = this.#position(ref)
    const loaded = await this.#shard(ref)
    const before = this.#shards.entry(shardKey, loaded, index)
    if (before === null ? cid !== null : !before.equals(cid)) {
      // Only a changed entry dirties its shard (py-hamt saves no shard for a no-op).
      this.#shards.edit(shardKey, loaded).entries[index] = cid
      this.#shards.touched(shardKey)
      this.#keyIndex = undefined
    }
    if (before === null && cid === null) {
      // py-hamt: deleting a chunk absent from its shard removes a plain entry of that name, if any.
      const had = this.#manifest.metadata.delete(key)
      if (had) this.#changed()
      return had
    }
    return before !== null
  }

  /** The CID holding `key`'s value, or `undefined` when it is absent. */
  async #locate(key: string, signal: AbortSignal | undefined): Promise<CID | undefined> {
    const ref = resolveChunk(this.#manifest, key)
    if (ref === undefined) return this.#manifest.metadata.get(key)
    const { shardKey, index } = this.#position(ref)
    const shard = await abortable(this.#shard(ref), signal)
    let entry: CID | null
    try {
      entry = this.#shards.entry(shardKey, shard, index)
    } catch (error) {
      const number = Math.floor(ref.linear / ref.array.chunksPerShard)
      const cid = ref.array.shardCids[number]
      if (cid === null || cid === undefined) throw error
      this.#shards.delete(shardKey)
      throw shardFormatError(cid, ref.array.path, (error as Error).message, error)
    }
    return entry ?? this.#manifest.metadata.get(key)
  }

  #position(ref: ChunkRef): { shardKey: string; index: number } {
    const number = Math.floor(ref.linear / ref.array.chunksPerShard)
    return { shardKey: shardKeyOf(ref.array.path, number), index: ref.linear % ref.array.chunksPerShard }
  }

  /**
   * Starts loading up to `count` stored shards, the first of each array, then the second, and so on.
   * A hint only: a shard that fails to load is loaded again by the read that needs it, which reports why.
   */
  #prefetch(count: number): void {
    const arrays = [...this.#manifest.arrays.values()]
    let left = count
    for (let number = 0; left > 0; number++) {
      const remaining = arrays.filter((array) => number < array.numShards)
      if (remaining.length === 0) return
      for (const array of remaining) {
        if (left === 0) return
        if (array.shardCids[number] === null || array.shardCids[number] === undefined) continue
        left--
        Promise.resolve(this.#loadShard(array, number)).catch(() => undefined)
      }
    }
  }

  /** The shard holding `ref`: loaded once, an empty one when the index has none. */
  #shard(ref: ChunkRef): CachedShard | Promise<CachedShard> {
    const array = ref.array
    const number = Math.floor(ref.linear / array.chunksPerShard)
    return this.#loadShard(array, number)
  }

  #loadShard(array: ArrayIndex, number: number): CachedShard | Promise<CachedShard> {
    return this.#shards.get(shardKeyOf(array.path, number), async () => {
      const cid = array.shardCids[number]
      if (cid === null || cid === undefined) {
        return { kind: 'edited', entries: new Array<CID | null>(array.chunksPerShard).fill(null), dirty: false }
      }
      const bytes = await this.#readLimit(() => this.cas.load(cid))
      let count: number
      try {
        count = readShardHeader(bytes).count
      } catch (error) {
        throw shardFormatError(cid, array.path, (error as Error).message, error)
      }
      if (count !== array.chunksPerShard) {
        throw shardFormatError(cid, array.path, `it has ${count} entries, chunks_per_shard is ${array.chunksPerShard}`)
      }
      return { kind: 'stored', bytes, offsets: undefined, reads: 0 }
    })
  }

  async #loadValue(key: string, cid: CID, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const stored = await this.#readLimit(() => this.cas.load(cid, undefined, { signal }))
    return this.#transform === undefined ? stored : this.#transform.decode(key, stored)
  }

  #encode(key: string, value: Uint8Array): Uint8Array {
    return this.#transform === undefined ? value : this.#transform.encode(key, value)
  }

  /** Registers or resizes the shard index of the array whose metadata `key` holds, as py-hamt does. */
  async #register(key: string, value: Uint8Array): Promise<void> {
    const path = arrayPathOf(key)
    if (this.#manifest.version !== SHARDED_ZARR_V2 || path === undefined) return
    const geometry = arrayGeometry(value)
    if (geometry === undefined) return
    const existing = this.#manifest.arrays.get(path)
    if (existing === undefined) {
      const chunksPerShard = this.#manifest.defaultChunksPerShard ?? DEFAULT_CHUNKS_PER_SHARD
      this.#manifest.arrays.set(path, new ArrayIndex(path, geometry.shape, geometry.chunkShape, chunksPerShard))
      this.#changed()
      return
    }
    if (!sameDims(existing.chunkShape, geometry.chunkShape)) {
      throw new ShardedZarrError(
        'ERR_SHARDED_GEOMETRY',
        `array ${JSON.stringify(path)}: cannot change chunk_shape ${JSON.stringify(existing.chunkShape)} to ${JSON.stringify(geometry.chunkShape)}`,
        { key },
      )
    }
    if (!sameDims(existing.shape, geometry.shape)) await this.#resize(existing, geometry.shape)
  }

  /**
   * Changes an array's shape. Growing or shrinking the first dimension keeps every chunk's linear
   * index, so untouched shards keep their CIDs and only the list changes (py-hamt's fast resize);
   * other changes move every chunk to its new place.
   */
  async #resize(array: ArrayIndex, shape: readonly number[]): Promise<void> {
    let release = (): void => undefined
    this.#resizing = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      while (this.#pointerOps.size > 0) await Promise.allSettled([...this.#pointerOps])
      await this.#resizeNow(array, shape)
    } finally {
      this.#resizing = undefined
      release()
    }
  }

  async #resizeNow(array: ArrayIndex, shape: readonly number[]): Promise<void> {
    // Snapshot the old shards (entries) before the geometry changes.
    const oldCids = [...array.shardCids]
    const oldShards: ((CID | null)[] | undefined)[] = []
    const loadAll = async (): Promise<void> => {
      for (let n = 0; n < oldCids.length; n++) {
        const shard = await this.#loadShard(array, n)
        oldShards[n] = shard.kind === 'edited' ? [...shard.entries] : decodeShard(shard.bytes)
      }
    }
    const oldNumShards = oldCids.length
    const probe = new ArrayIndex(array.path, shape, array.chunkShape, array.chunksPerShard)
    const fast =
      probe.chunksPerDim.every((n, i) => i === 0 || n === array.chunksPerDim[i]) &&
      probe.totalChunks >= array.totalChunks
    if (fast) {
      array.resize(shape)
      array.shardCids = [...oldCids, ...new Array<CID | null>(array.numShards - oldNumShards).fill(null)]
      this.#changed()
      return
    }
    await loadAll()
    const { oldChunksPerDim, oldTotal } = array.resize(shape)
    const perShard = array.chunksPerShard
    const fresh: (CID | null)[][] = Array.from({ length: array.numShards }, () =>
      new Array<CID | null>(perShard).fill(null),
    )
    oldShards.forEach((entries, n) => {
      entries?.forEach((cid, i) => {
        const linear = n * perShard + i
        if (cid === null || linear >= oldTotal) return
        const moved = array.linearIndex(coordsOf(linear, oldChunksPerDim))
        if (moved !== undefined) (fresh[Math.floor(moved / perShard)] as (CID | null)[])[moved % perShard] = cid
      })
    })
    const cids: (CID | null)[] = []
    fresh.forEach((entries, n) => {
      const key = shardKeyOf(array.path, n)
      const old = oldShards[n]
      if (entries.every((e) => e === null)) {
        cids.push(null)
        this.#shards.delete(key)
      } else if (old !== undefined && sameEntries(old, entries) && (oldCids[n] ?? null) !== null) {
        cids.push(oldCids[n] ?? null)
      } else {
        cids.push(null)
        this.#shards.put(key, { kind: 'edited', entries, dirty: true })
      }
    })
    for (let n = array.numShards; n < oldNumShards; n++) this.#shards.delete(shardKeyOf(array.path, n))
    array.shardCids = cids
    this.#changed()
  }

  async #ensureParentGroups(key: string): Promise<void> {
    const path = arrayPathOf(key)
    if (path === undefined) return
    const v2 = key.endsWith('.zarray')
    const name = v2 ? '.zgroup' : 'zarr.json'
    const parts = path === '' ? [] : path.split('/')
    for (let depth = 0; depth < parts.length; depth++) {
      const groupKey = depth === 0 ? name : `${parts.slice(0, depth).join('/')}/${name}`
      if (this.#manifest.metadata.has(groupKey)) continue
      const group = v2 ? IMPLICIT_V2_GROUP : IMPLICIT_GROUP
      const cid = await this.#limit(() => this.cas.save(this.#encode(groupKey, group), 'raw'))
      this.#manifest.metadata.set(groupKey, cid)
      this.#changed()
    }
  }

  #index(): Promise<KeyIndex> {
    if (this.#keyIndex === undefined) {
      const building = this.#collectKeys()
      this.#keyIndex = building
      building.catch(() => {
        if (this.#keyIndex === building) this.#keyIndex = undefined
      })
    }
    return this.#keyIndex
  }

  async #collectKeys(): Promise<KeyIndex> {
    const keys = new Set(this.#manifest.metadata.keys())
    for (const [path, array] of this.#manifest.arrays) {
      const listed = this.#manifest.version === SHARDED_ZARR_V1 ? (this.#manifest.primaryArrayPath ?? '') : path
      for (let n = 0; n < array.numShards; n++) {
        const shardKey = shardKeyOf(path, n)
        if (array.shardCids[n] === null && this.#shards.peek(shardKey) === undefined) continue
        const shard = await this.#loadShard(array, n)
        for (let i = 0; i < array.chunksPerShard; i++) {
          const linear = n * array.chunksPerShard + i
          if (linear >= array.totalChunks) break
          if (this.#shards.entry(shardKey, shard, i) !== null) keys.add(chunkKey(listed, array.coords(linear)))
        }
      }
    }
    return new KeyIndex(keys)
  }
}

/** The array path of array metadata keys (`temp/zarr.json`, `temp/.zarray`; `''` at the root), else `undefined`. */
function arrayPathOf(key: string): string | undefined {
  for (const name of ['zarr.json', '.zarray']) {
    if (key === name) return ''
    if (key.endsWith(`/${name}`)) return trimSlashes(key.slice(0, -name.length))
  }
  return undefined
}

function shardKeyOf(path: string, number: number): string {
  return `${number}\u0000${path}`
}

function parseShardKey(key: string): { path: string; number: number } {
  const at = key.indexOf('\u0000')
  return { number: Number(key.slice(0, at)), path: key.slice(at + 1) }
}

function positiveInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(`${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

function sameEntries(a: readonly (CID | null)[], b: readonly (CID | null)[]): boolean {
  return a.length === b.length && a.every((x, i) => (x === null ? b[i] === null : x.equals(b[i])))
}

/** Shape and chunk shape of array metadata, or `undefined` for a group or anything else. */
function arrayGeometry(value: Uint8Array): { shape: number[]; chunkShape: number[] } | undefined {
  let json: unknown
  try {
    json = JSON.parse(utf8.decode(value))
  } catch {
    return undefined
  }
  if (json === null || typeof json !== 'object') return undefined
  const meta = json as { shape?: unknown; chunk_grid?: { configuration?: { chunk_shape?: unknown } }; chunks?: unknown }
  if (!Array.isArray(meta.shape)) return undefined
  const chunkShape = meta.chunk_grid?.configuration?.chunk_shape ?? meta.chunks
  if (!Array.isArray(chunkShape)) return undefined
  return { shape: meta.shape.map(Number), chunkShape: chunkShape.map(Number) }
}
