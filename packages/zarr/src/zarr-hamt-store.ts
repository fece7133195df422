import { type CID, type HAMT, InvalidOptionError, InvalidValueError, ReadOnlyError, sliceRange } from '@hamt/core'
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
import pLimit, { type LimitFunction } from 'p-limit'
import type { AsyncMutable, GetOptions, RangeQuery } from 'zarrita'

/** Multicodec code of dag-pb: Kubo's label for a file chunked into several blocks. */
const DAG_PB = 0x70
const DEFAULT_CONCURRENCY = 32
/** The most of level 1, in blocks, loaded by default (see {@link ZarrHAMTStoreOptions.preloadDepth}). */
const SHALLOW_PRELOAD_BYTES = 1024 * 1024
const DEFAULT_RANGE_CACHE_MAX_BYTES = 64 * 1024 * 1024

/** Options of {@link ZarrHAMTStore}. */
export interface ZarrHAMTStoreOptions {
  /**
   * Sets and deletes in flight at once (default 32), and, when given, value loads too; zarrita fires
   * every chunk request of a selection together, and the rest wait their turn. By default reads are
   * bounded by the CAS alone (KuboCAS: its `concurrency`), so raising the CAS's limit is enough and the
   * two limits never compound. Finding a key (the HAMT walk) never takes a slot: the walks of one
   * selection run together, level by level, sharing every node load.
   */
  concurrency?: number
  /**
   * Read-only stores: levels of HAMT nodes under the root loaded as soon as the store is made, in the
   * background (see `HAMT.preload`), so the first reads find them at hand. 1 (the root's children, at
   * most 256 node loads) saves a round trip on reads spread over the dataset (a time series, a map)
   * but costs a request for every node of that level, which on a tree of millions of keys delays a
   * first read more than it saves. By default (no `preloadDepth`), level 1 is loaded once `zarr.json`
   * is found if it is the tree's last level of nodes and takes at most 1 MiB (`HAMT.preloadIfShallow`):
   * the whole index of a dataset of up to some tens of thousands of chunks, for one round trip less
   * on every first read. 0 turns preloading off.
   */
  preloadDepth?: number
  /**
   * Byte budget of the cache of whole values kept for range reads (keyed by block CID, least recently
   * used out first). Default 64 MiB.
   */
  rangeCacheMaxBytes?: number
  /** Rewrites every value, metadata included (see {@link ValueTransform}). */
  transform?: ValueTransform
  /**
   * Read-only stores: answer a node's `zarr.json` from the root group's consolidated metadata
   * (`consolidated_metadata: { kind: 'inline' }`, as `writeConsolidatedMetadata` writes it) when it holds
   * that node, as zarr-python does, saving the lookup and load of the node's own `zarr.json`. Default
   * `true`; `false` always reads each node's own `zarr.json` (a dataset whose consolidation is stale).
   */
  consolidatedMetadata?: boolean
}

/** Options of {@link ZarrHAMTStore.commit}. */
export interface CommitOptions {
  /**
   * `false` (default): the HAMT is made read-only, as py-hamt's `make_read_only()`. `true`: the
   * changes are saved and the HAMT stays writable.
   */
  keepWritable?: boolean
}

/**
 * A zarrita store over a {@link HAMT}, byte-compatible with py-hamt's `ZarrHAMTStore`: zarrita's key
 * `/temp/c/0/0` is stored as `temp/c/0/0` and each value as its raw bytes, so a dataset written by
 * Python opens here and the other way round.
 *
 * The HAMT must be built with `valuesAreBytes: true`. The store is read-only exactly when the HAMT
 * is. Bytes returned by a read-only store are views of cached or stored data: treat them as
 * read-only. A writable store returns copies (zarrita edits chunks in place when it writes part of one).
 *
 * @example
 * ```ts
 * const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
 * const store = new ZarrHAMTStore(hamt)
 * const arr = await zarr.create(zarr.root(store).resolve('temp'), { shape: [4], chunkShape: [2], dtype: 'float32' })
 * await zarr.set(arr, null, 1.5)
 * const root = await store.commit()
 * ```
 */
export class ZarrHAMTStore implements AsyncMutable {
  /** The HAMT holding the dataset. */
  readonly hamt: HAMT<unknown>

  readonly #transform: ValueTransform | undefined
  readonly #limit: LimitFunction
  /** The limit of value loads: the store's only when `concurrency` was given, else none (the CAS's). */
  readonly #readLimit: <T>(load: () => Promise<T>) => Promise<T>
  readonly #ranges: ValueCache
  readonly #metadata: MetadataCache
  readonly #writes = new Set<Promise<unknown>>()
  /** Read-only mode: the root the caches were filled from. */
  #cachedRoot: CID | undefined
  #keyIndex: Promise<KeyIndex> | undefined
  readonly #useConsolidated: boolean
  /** Read-only mode: the root group's consolidated metadata (by node path), or `undefined` when it has none. */
  #consolidated: Promise<ConsolidatedNodes | undefined> | undefined

  /**
   * @throws {InvalidOptionError} when the HAMT does not have `valuesAreBytes` set, or an option is
   * out of range.
   */
  constructor(hamt: HAMT<unknown>, options: ZarrHAMTStoreOptions = {}) {
    if (hamt === null || typeof hamt !== 'object' || typeof hamt.getPointer !== 'function') {
      throw new InvalidOptionError('ZarrHAMTStore needs a HAMT')
    }
    if (!hamt.valuesAreBytes) {
      throw new InvalidOptionError(
        'ZarrHAMTStore needs a HAMT built with valuesAreBytes: true (Zarr values are stored as raw bytes, as py-hamt stores them)',
      )
    }
    const {
      concurrency = DEFAULT_CONCURRENCY,
      rangeCacheMaxBytes = DEFAULT_RANGE_CACHE_MAX_BYTES,
      preloadDepth,
    } = options
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new InvalidOptionError(`concurrency must be a positive integer, got ${String(concurrency)}`)
    }
    if (!Number.isSafeInteger(rangeCacheMaxBytes) || rangeCacheMaxBytes < 0) {
      throw new InvalidOptionError(
        `rangeCacheMaxBytes must be a non-negative integer, got ${String(rangeCacheMaxBytes)}`,
      )
    }
    if (preloadDepth !== undefined && (!Number.isSafeInteger(preloadDepth) || preloadDepth < 0)) {
      throw new InvalidOptionError(`preloadDepth must be a non-negative integer, got ${String(preloadDepth)}`)
    }
    this.hamt = hamt
    this.#transform = options.transform
    this.#useConsolidated = options.consolidatedMetadata ?? true
    this.#limit = pLimit(concurrency)
    this.#readLimit = options.concurrency === undefined ? (load) => load() : this.#limit
    this.#ranges = new ValueCache(rangeCacheMaxBytes)
    this.#metadata = new MetadataCache(
      this.#transform === undefined ? 'is the dataset encrypted? open it with SimpleEncryptedZarrHAMTStore' : undefined,
    )
    // A hint: reads that need a node the preload could not load load it themselves and report why.
    if (!hamt.readOnly) return
    if (preloadDepth === undefined) {
      // zarr.json is every reader's first question: its nodes tell the tree's shape.
      hamt
        .getPointer(ROOT_METADATA)
        .then(() => hamt.preloadIfShallow(SHALLOW_PRELOAD_BYTES))
        .catch(() => undefined)
    } else if (preloadDepth > 0) {
      hamt.preload(preloadDepth).catch(() => undefined)
    }
  }

  /** Whether writes are refused: the HAMT is read-only. */
  get readOnly(): boolean {
    return this.hamt.readOnly
  }

  /** The value of `key` (`/temp/c/0/0` or `temp/c/0/0`), or `undefined` when it is absent. */
  async get(key: string, options?: GetOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal
    signal?.throwIfAborted()
    const hamtKey = toHamtKey(key)
    this.#syncWithHamt()
    if (isMetadataKey(hamtKey)) return this.#getMetadata(hamtKey, signal)
    const value = await this.#read(hamtKey, signal)
    return value === undefined ? undefined : this.#hand(value)
  }

  /**
   * `length` bytes from `offset`, or the last `suffixLength` bytes (all of them when the value is
   * shorter), of `key`'s value; `undefined` when the key is absent. A value held in one block is
   * loaded once and sliced for every range; one that Kubo split into several blocks (dag-pb) is
   * asked for the range alone.
   *
   * @throws {InvalidRangeError} for a malformed range or an offset past the end of the value.
   */
  async getRange(key: string, range: RangeQuery, options?: GetOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal
    signal?.throwIfAborted()
    const byteRange = toByteRange(range)
    const hamtKey = toHamtKey(key)
    this.#syncWithHamt()
    if (isMetadataKey(hamtKey)) {
      const value = await this.#getMetadata(hamtKey, signal)
      return value === undefined ? undefined : sliceRange(value, byteRange)
    }
    const pointer = await abortable(this.hamt.getPointer(hamtKey), signal)
    if (pointer === undefined) return undefined
    let slice: Uint8Array
    if (this.#transform === undefined && pointer.code === DAG_PB) {
      slice = await this.#readLimit(() => this.hamt.cas.load(pointer, byteRange, { signal }))
    } else {
      const whole = this.#ranges.get(pointer.toString(), async () =>
        this.#decode(hamtKey, await this.#readLimit(() => this.hamt.cas.load(pointer))),
      )
      slice = sliceRange(await abortable(whole, signal), byteRange)
    }
    return this.#hand(slice)
  }

  /** Whether `key` is present. */
  async has(key: string): Promise<boolean> {
    const hamtKey = toHamtKey(key)
    this.#syncWithHamt()
    if (this.#metadata.has(hamtKey)) return true
    return (await this.hamt.getPointer(hamtKey)) !== undefined
  }

  /**
   * Stores `value` under `key` (without its leading `/`).
   *
   * @throws {ReadOnlyError} when the HAMT is read-only.
   * @throws {InvalidValueError} when `value` is not a `Uint8Array`.
   */
  async set(key: string, value: Uint8Array): Promise<void> {
    const hamtKey = toHamtKey(key)
    if (!(value instanceof Uint8Array)) throw new InvalidValueError(hamtKey, 'Zarr values must be Uint8Arrays')
    if (this.hamt.readOnly) throw new ReadOnlyError(`set ${JSON.stringify(hamtKey)}`)
    const stored = this.#transform === undefined ? value : this.#transform.encode(hamtKey, value)
    await this.#write(hamtKey, () => this.hamt.set(hamtKey, stored), isMetadataKey(hamtKey) ? value.slice() : undefined)
  }

  /**
   * Removes `key`; removing a key that is absent is not an error.
   *
   * @returns whether the key was present.
   * @throws {ReadOnlyError} when the HAMT is read-only.
   */
  async delete(key: string): Promise<boolean> {
    const hamtKey = toHamtKey(key)
    if (this.hamt.readOnly) throw new ReadOnlyError(`delete ${JSON.stringify(hamtKey)}`)
    return this.#write(hamtKey, () => this.hamt.delete(hamtKey))
  }

  /**
   * Every key as stored (no leading `/`), sorted. A read-only store lists from an index of the keys
   * built on first use and kept while the root does not change; a writable one walks the HAMT.
   */
  async *list(): AsyncGenerator<string> {
    yield* (await this.#index()).all()
  }

  /** Keys that start with `prefix` (a leading `/` is ignored), sorted. */
  async *listPrefix(prefix: string): AsyncGenerator<string> {
    yield* (await this.#index()).withPrefix(toHamtKey(prefix))
  }

  /**
   * Names of the immediate children of directory `prefix`, each once: like py-hamt's `list_dir`, a
   * child is a name, not a path (`listDir('temp')` gives `zarr.json`, `c`). `prefix` may be given
   * with or without its leading and trailing `/`; `''` or `/` is the root.
   */
  async *listDir(prefix: string): AsyncGenerator<string> {
    yield* (await this.#index()).children(toDirPrefix(prefix))
  }

  /**
   * Waits for the writes in flight, saves the HAMT's changes, and returns its root CID: what to keep
   * to reopen the dataset.
   */
  async commit(options: CommitOptions = {}): Promise<CID> {
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes])
    if (options.keepWritable === true) await this.hamt.cacheVacate()
    else await this.hamt.makeReadOnly()
    return this.hamt.rootNodeId
  }

  #getMetadata(hamtKey: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    if (hamtKey === ROOT_METADATA || !this.#useConsolidated || !this.hamt.readOnly) {
      return this.#metadata.read(hamtKey, () => this.#read(hamtKey, signal))
    }
    return this.#metadata.read(hamtKey, () => this.#readNodeMetadata(hamtKey, signal))
  }

  /**
   * A node's `zarr.json` from the root group's consolidated metadata when it is there, else its own.
   * The node's own value is looked up and loaded at once, alongside the root's (nodes shared), and
   * dropped (its load aborted) if the consolidation answers: one small read more for a consolidated
   * dataset, one round trip less for every other, which would otherwise wait for the root's answer
   * before starting its own.
   */
  async #readNodeMetadata(hamtKey: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const unneeded = new AbortController()
    const ownSignal = signal === undefined ? unneeded.signal : AbortSignal.any([signal, unneeded.signal])
    const own = this.#read(hamtKey, ownSignal)
    // An unused read must not surface as an unhandled rejection.
    own.catch(() => undefined)
    const nodes = await abortable(this.#consolidatedNodes(), signal)
    const node = nodes?.get(hamtKey.slice(0, -METADATA_SUFFIX.length))
    if (node === undefined) return own
    unneeded.abort()
    return utf8.encode(JSON.stringify(node))
  }

  /** The root group's consolidated metadata, read once (failures are not kept: the next call tries again). */
  #consolidatedNodes(): Promise<ConsolidatedNodes | undefined> {
    if (this.#consolidated === undefined) {
      const reading = this.#getMetadata(ROOT_METADATA, undefined).then(
        (bytes) => (bytes === undefined ? undefined : consolidatedNodes(bytes)),
        () => {
          if (this.#consolidated === reading) this.#consolidated = undefined
          return undefined
        },
      )
      this.#consolidated = reading
    }
    return this.#consolidated
  }

  async #read(hamtKey: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const pointer = await abortable(this.hamt.getPointer(hamtKey), signal)
    if (pointer === undefined) return undefined
    return this.#decode(hamtKey, await this.#readLimit(() => this.hamt.cas.load(pointer, undefined, { signal })))
  }

  #decode(hamtKey: string, stored: Uint8Array): Uint8Array {
    return this.#transform === undefined ? stored : this.#transform.decode(hamtKey, stored)
  }

  /** What a caller gets: views when nothing can change them, copies while zarrita may edit chunks in place. */
  #hand(bytes: Uint8Array): Uint8Array {
    return this.hamt.readOnly ? bytes : bytes.slice()
  }

  /**
   * Runs a write in its concurrency slot and tracks it for {@link ZarrHAMTStore.commit}. For a metadata
   * key, the cache ends holding `cacheAfter` (the value just set) or nothing (deleted, or failed).
   */
  async #write<T>(hamtKey: string, operation: () => Promise<T>, cacheAfter?: Uint8Array): Promise<T> {
    const metadata = isMetadataKey(hamtKey)
    if (metadata) this.#metadata.beginWrite(hamtKey)
    const done = this.#limit(async () => {
      let after: Uint8Array | undefined
      try {
        const result = await operation()
        after = cacheAfter
        return result
      } finally {
        if (metadata) this.#metadata.endWrite(hamtKey, after)
      }
    })
    this.#writes.add(done)
    try {
      return await done
    } finally {
      this.#writes.delete(done)
    }
  }

  /** Drops the caches when a read-only HAMT has been moved to another root since they were filled. */
  #syncWithHamt(): void {
    if (!this.hamt.readOnly) return
    const root = this.hamt.rootNodeId
    if (this.#cachedRoot?.equals(root)) return
    if (this.#cachedRoot !== undefined) {
      this.#metadata.clear()
      this.#keyIndex = undefined
      this.#consolidated = undefined
    }
    this.#cachedRoot = root
  }

  #index(): Promise<KeyIndex> {
    this.#syncWithHamt()
    if (!this.hamt.readOnly) return collectKeys(this.hamt)
    if (this.#keyIndex === undefined) {
      const building = collectKeys(this.hamt)
      this.#keyIndex = building
      building.catch(() => {
        if (this.#keyIndex === building) this.#keyIndex = undefined
      })
    }
    return this.#keyIndex
  }
}

/** Node metadata by path (`temp`, `a/b`), as the root group's consolidated metadata holds it. */
type ConsolidatedNodes = ReadonlyMap<string, unknown>

const ROOT_METADATA = 'zarr.json'
const METADATA_SUFFIX = '/zarr.json'
const utf8 = new TextEncoder()

/**
 * The nodes of a root `zarr.json`'s inline consolidated metadata (zarr-python's layout), or
 * `undefined` when it has none or is not JSON (then each node's own `zarr.json` is read, and any
 * error is reported there). Only objects are kept: anything else is not a node's metadata.
 */
function consolidatedNodes(bytes: Uint8Array): ConsolidatedNodes | undefined {
  let root: unknown
  try {
    root = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
  const consolidated = (root as { consolidated_metadata?: unknown } | null)?.consolidated_metadata
  if (consolidated === null || typeof consolidated !== 'object') return undefined
  const { kind, metadata } = consolidated as { kind?: unknown; metadata?: unknown }
  if (kind !== 'inline' || metadata === null || typeof metadata !== 'object') return undefined
  const nodes = new Map<string, unknown>()
  for (const [path, node] of Object.entries(metadata)) {
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) nodes.set(path, node)
  }
  return nodes
}

async function collectKeys(hamt: HAMT<unknown>): Promise<KeyIndex> {
  const keys: string[] = []
  for await (const key of hamt.keys()) keys.push(key)
  return new KeyIndex(keys)
}
