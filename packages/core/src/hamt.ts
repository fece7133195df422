import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import pLimit from 'p-limit'
import { abortable } from './abortable.js'
import { inBatches } from './batches.js'
import type { BucketView } from './bucket-bytes.js'
import type { ContentAddressedStore } from './cas.js'
import {
  InvalidKeyError,
  InvalidOptionError,
  InvalidValueError,
  ReadOnlyError,
  UncommittedChangesError,
} from './errors.js'
import { flush } from './flush.js'
import { blake3HashFn, type HashFn, hashKey, hashKeyBytes, hashKeyView } from './hash.js'
import { insertEntry } from './insert.js'
import { BlockSet, chainPath, placeBlocks } from './key-chain.js'
import { lookup, lookupStored, type StoredContext } from './lookup.js'
import { childPath, decodeNode, HamtNode, nodeMemory, SLOT_COUNT } from './node.js'
import { detachedCid } from './node-bytes.js'
import { NodeCache } from './node-cache.js'
import type { NodePlace } from './node-place.js'
import { type HashedEntry, orderByHash } from './order-by-hash.js'
import { type PreloadResult, preloadLevels } from './preload.js'
import { removeEntry } from './remove.js'
import { LINK, StoredNode, slotKind, storedNode } from './stored-node.js'
import type { TreeContext } from './tree-context.js'
import { snapshot, walkBuckets, walkStoredBuckets } from './walk.js'

/** Options of {@link HAMT.build}. */
export interface HamtOptions {
  /** Where nodes and values are stored. */
  cas: ContentAddressedStore
  /**
   * Root of an existing HAMT; without it an empty HAMT is created in memory (its root is saved by the
   * first commit, so creating one needs no store round trip).
   */
  rootNodeId?: CID
  /** Open read-only: concurrent reads, a bounded node cache, no writes. Default `false`. */
  readOnly?: boolean
  /**
   * Keys a bucket holds before it becomes a link to a child node. Only shapes trees being written;
   * any tree can be read whatever it was written with. Default 4, as py-hamt.
   */
  maxBucketSize?: number
  /**
   * `true`: values are `Uint8Array`s stored as they are. `false` (default): values are any IPLD data,
   * stored DAG-CBOR encoded (see the package README for how numbers are encoded).
   */
  valuesAreBytes?: boolean
  /** Hash that places keys. Default {@link blake3HashFn}, as py-hamt. */
  hashFn?: HashFn
  /**
   * Memory budget for nodes, in bytes of heap (estimated per node, within 2× of what V8 holds).
   * Read-only mode keeps at most this much in its node cache. Write mode keeps at most this much of
   * the tree loaded: past it, changed subtrees are saved to the store as intermediate blocks and
   * unloaded (see the README for what that costs). `Infinity` lifts the bound. Default 64 MiB.
   */
  cacheMaxBytes?: number
}

/** Options of a commit ({@link HAMT.makeReadOnly}, {@link HAMT.cacheVacate}) or a {@link HAMT.set}. */
export interface WriteOptions {
  /**
   * Gives up waiting: the call rejects with the signal's reason, and the HAMT stays as if it had not
   * been made (a commit can be made again; a set is not applied). Store calls get the signal too.
   */
  signal?: AbortSignal
}

/**
 * Largest value accepted, in bytes (encoded): 1.5 GiB. BLAKE3 in WebAssembly cannot take much more,
 * and a failure there would break hashing for the whole process; IPFS takes far smaller blocks anyway.
 */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024 * 1024

const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024
/** Node saves in flight at once while committing. */
const FLUSH_CONCURRENCY = 32
const ignore = (): void => {}
const ROOT_PATH = new Uint8Array(0)

/**
 * A hash array mapped trie over a content-addressed store, in py-hamt's format: the same contents
 * give the same root CID as py-hamt, and either library reads what the other wrote.
 *
 * Two modes. In write mode (the default for a new HAMT), changed nodes are buffered in memory and
 * writes are applied one at a time in call order; {@link HAMT.makeReadOnly} saves the changed nodes
 * and fixes {@link HAMT.rootNodeId}. In read-only mode, any number of reads run concurrently over a
 * bounded cache of nodes.
 *
 * @typeParam V - the type of values: `Uint8Array` when `valuesAreBytes` is set.
 *
 * @example
 * ```ts
 * const hamt = await HAMT.build({ cas: new InMemoryCAS() })
 * await hamt.set('foo', { bar: 1 })
 * await hamt.makeReadOnly()
 * const reopened = await HAMT.build({ cas, rootNodeId: hamt.rootNodeId, readOnly: true })
 * await reopened.get('foo') // { bar: 1 }
 * ```
 */
export class HAMT<V = unknown> {
  /** The backing store. */
  readonly cas: ContentAddressedStore
  /** Keys per bucket when writing. */
  readonly maxBucketSize: number
  /** Whether values are stored as raw bytes rather than DAG-CBOR. */
  readonly valuesAreBytes: boolean
  /** The hash that places keys. */
  readonly hashFn: HashFn

  #readOnly: boolean
  /** The mode once every queued mode change has run: what a write called now will find. */
  #queuedReadOnly: boolean
  /** CID of the root when it is not loaded; `undefined` for a new HAMT never committed. */
  #rootCid: CID | undefined
  /** Write mode: the root node, loaded on first use; its subtree holds every change not yet saved. */
  #root: HamtNode | Promise<HamtNode> | undefined
  /** Read-only mode: the root, read in place, loaded on first use and kept out of the cache (never evicted). */
  #storedRoot: StoredNode | Promise<StoredNode> | undefined
  readonly #cache: NodeCache
  readonly #maxBytes: number
  /** Write mode: estimated memory of the loaded tree. */
  #writeBytes = 0
  /** Bytes of a key hash (no node sits that deep); measured on first use. */
  #hashLength: number | undefined
  /**
   * Whether every operation in the write queue (`#queue`) has run: a set may then start at once
   * instead of waiting its turn. Cleared by each operation queued; set again when the last one is done.
   */
  #queueIdle = true
  /** Write mode: loads of children not yet attached to the tree, by parent and slot. */
  readonly #loading = new Map<HamtNode, Map<number, { cid: CID; node: Promise<HamtNode> }>>()
  /** Tail of the queue that runs writes and mode changes one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #readContext: StoredContext
  readonly #writeContext: TreeContext
  /** Write mode, for reads: attaches loaded children only while the tree is within its budget. */
  readonly #peekContext: TreeContext

  private constructor(options: HamtOptions, rootCid: CID | undefined) {
    this.cas = options.cas
    this.maxBucketSize = options.maxBucketSize ?? 4
    this.valuesAreBytes = options.valuesAreBytes ?? false
    this.hashFn = options.hashFn ?? blake3HashFn
    this.#readOnly = options.readOnly ?? false
    this.#queuedReadOnly = this.#readOnly
    this.#rootCid = rootCid
    this.#maxBytes = options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES
    this.#cache = new NodeCache(
      (cid, parent, index, hash) => this.#loadStored(cid, childPath(parent, index), hash),
      this.#maxBytes,
    )
    if (rootCid === undefined) {
      // A new HAMT: an empty root, unsaved, so the first commit saves it.
      this.#root = new HamtNode()
      this.#root.size = nodeMemory(this.#root)
      this.#writeBytes = this.#root.size
    }
    const hashKey = (key: string): Uint8Array => this.#hash(key)
    this.#readContext = {
      hashKey,
      cached: (parent, index) => this.#cache.cached(parent, index),
      child: (parent, index, cid, hash) => this.#cache.get(cid, parent, index, hash),
    }
    this.#writeContext = {
      maxBucketSize: this.maxBucketSize,
      hashKey,
      child: (parent, index, cid) => this.#attachChild(parent, index, cid, true),
    }
    this.#peekContext = {
      maxBucketSize: this.maxBucketSize,
      hashKey,
      child: (parent, index, cid) => this.#attachChild(parent, index, cid, false),
    }
  }

  /**
   * Opens the HAMT at `options.rootNodeId`, or creates an empty one. Nothing is read or written:
   * the root is loaded on first use, and a new HAMT's empty root is saved by its first commit.
   *
   * @throws {InvalidOptionError} for a `maxBucketSize` that is not a positive integer, a
   * `cacheMaxBytes` that is neither that nor `Infinity`, or `readOnly` without `rootNodeId`.
   */
  static async build<V = unknown>(options: HamtOptions): Promise<HAMT<V>> {
    const { maxBucketSize = 4, cacheMaxBytes = DEFAULT_CACHE_MAX_BYTES } = options
    if (!Number.isSafeInteger(maxBucketSize) || maxBucketSize < 1) {
      throw new InvalidOptionError(`maxBucketSize must be a positive integer, got ${String(maxBucketSize)}`)
    }
    if ((!Number.isSafeInteger(cacheMaxBytes) && cacheMaxBytes !== Number.POSITIVE_INFINITY) || cacheMaxBytes < 1) {
      throw new InvalidOptionError(`cacheMaxBytes must be a positive integer or Infinity, got ${String(cacheMaxBytes)}`)
    }
    if (options.hashFn !== undefined && typeof options.hashFn !== 'function') {
      throw new InvalidOptionError('hashFn must be a function')
    }
    if (options.cas === undefined || typeof options.cas.save !== 'function' || typeof options.cas.load !== 'function') {
      throw new InvalidOptionError('cas must implement ContentAddressedStore (save and load)')
    }
    if (options.rootNodeId === undefined && options.readOnly === true) {
      throw new InvalidOptionError('a read-only HAMT needs a rootNodeId')
    }
    return new HAMT<V>(options, options.rootNodeId)
  }

  /**
   * Builds a HAMT from `entries` in bounded memory and commits it: the bulk way to write a large
   * dataset. Values are saved as they come (up to 32 at once); the keys are ordered by hash
   * (partitioned through scratch blocks in the store when they do not fit in `cacheMaxBytes`) and
   * inserted in that order, so each subtree is complete, saved and unloaded once the stream has passed
   * it. The root is the root of inserting the same entries with {@link HAMT.set} (a later duplicate
   * key wins). Returns the HAMT in read-only mode.
   *
   * @throws what {@link HAMT.build} and {@link HAMT.set} throw; on any failure nothing is returned and
   * the store holds only immutable blocks (value, scratch and node blocks), so running it again is safe.
   */
  static async fromEntries<V = unknown>(
    entries: Iterable<readonly [string, V]> | AsyncIterable<readonly [string, V]>,
    options: Omit<HamtOptions, 'rootNodeId' | 'readOnly'> & WriteOptions,
  ): Promise<HAMT<V>> {
    const hamt = await HAMT.build<V>({ ...options, rootNodeId: undefined, readOnly: false })
    const { signal } = options
    const save = hamt.#saver(signal)
    const ordered = orderByHash(hamt.#savedValues(entries, signal), 0, {
      hashKey: (key) => hamt.#hash(key),
      save,
      cas: hamt.cas,
      maxBytes: hamt.#maxBytes / 2,
    })
    await hamt.#enqueue(async () => {
      const root = hamt.#root as HamtNode
      let lastYield = Date.now()
      for await (const batch of ordered) {
        for (const { key, hash, cid } of batch) {
          // A store answering from memory never leaves the microtask queue: let timers and I/O run.
          if (Date.now() - lastYield > 20) {
            await new Promise((resolve) => setTimeout(resolve, 0))
            lastYield = Date.now()
          }
          // Awaited only when there is something to wait for: most entries need neither.
          if (hamt.#writeBytes > hamt.#maxBytes) await hamt.#spillIfOver(signal)
          const added = insertEntry(root, key, hash, cid, hamt.#writeContext)
          hamt.#writeBytes += typeof added === 'number' ? added : await added
        }
      }
    })
    await hamt.makeReadOnly({ signal })
    return hamt
  }

  /**
   * Saves the values of `entries`, up to 32 at once, yielding them in order with their hashes, in
   * batches: a batch is yielded once its values are saved, while the next one's saves run.
   */
  async *#savedValues(
    entries: Iterable<readonly [string, V]> | AsyncIterable<readonly [string, V]>,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<HashedEntry[]> {
    const batch = FLUSH_CONCURRENCY / 2
    let pending: { key: string; hash: Uint8Array; value: Promise<CID> }[] = []
    const saved = async (ready: typeof pending): Promise<HashedEntry[]> => {
      const values = await Promise.all(ready.map((entry) => entry.value))
      return ready.map((entry, i) => ({ key: entry.key, hash: entry.hash, cid: (values[i] as CID).bytes }))
    }
    try {
      for await (const items of inBatches(entries, batch)) {
        for (const [key, value] of items) {
          checkKey(key)
          const bytes = this.#encodeValue(key, value)
          const save = abortable(this.cas.save(bytes, 'raw', { signal }), signal)
          save.catch(ignore)
          pending.push({ key, hash: this.#hash(key), value: save })
        }
        if (pending.length >= FLUSH_CONCURRENCY) {
          const ready = pending.slice(0, batch)
          pending = pending.slice(batch)
          yield await saved(ready)
        }
      }
      while (pending.length > 0) {
        const ready = pending.slice(0, batch)
        pending = pending.slice(batch)
        yield await saved(ready)
      }
    } finally {
      for (const entry of pending) entry.value.catch(ignore)
    }
  }

  /** Whether the HAMT is in read-only mode. */
  get readOnly(): boolean {
    return this.#readOnly
  }

  /**
   * CID of the root node: what to keep to reopen this HAMT.
   *
   * @throws {UncommittedChangesError} in write mode while changes are buffered, and for a new HAMT
   * before its first commit; call {@link HAMT.makeReadOnly} first.
   */
  get rootNodeId(): CID {
    if (!this.#readOnly && this.#root instanceof HamtNode) {
      if (this.#root.cid === undefined) throw new UncommittedChangesError()
      return this.#root.cid
    }
    if (this.#rootCid === undefined) throw new UncommittedChangesError()
    return this.#rootCid
  }

  /**
   * Sets `key` to `value`: the value is saved as its own raw block, then the tree is updated in memory.
   * Writes and mode changes take effect in call order: a set called after {@link HAMT.enableWrite}
   * succeeds, one called after {@link HAMT.makeReadOnly} is refused.
   *
   * @throws {ReadOnlyError} when the HAMT is read-only by the time the set runs.
   * @throws {InvalidKeyError} when `key` is not a well-formed string.
   * @throws {InvalidValueError} when `value` cannot be encoded or is bigger than
   * {@link MAX_VALUE_BYTES} (the HAMT is left unchanged).
   */
  set(key: string, value: V, options?: WriteOptions): Promise<void> {
    // Not async: a bulk load is mostly this, and when nothing needs loading the only promises made are
    // the value's save and the insert's after it (and, behind other writes, the queue's).
    try {
      checkKey(key)
      const signal = options?.signal
      const bytes = this.#encodeValue(key, value)
      if (signal === undefined && this.#queueIdle && !this.#queuedReadOnly && !this.#readOnly) {
        return this.#setNow(key, bytes)
      }
      return this.#setInTurn(key, bytes, signal)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * A set with nothing queued before it and no signal: its turn is now, so the tree update is
   * chained straight onto the value's save. Two promises per set (the store's and this one) instead
   * of five, which matters when a bulk load awaits each set in turn.
   */
  #setNow(key: string, bytes: Uint8Array): Promise<void> {
    // The default hash is taken when the insert runs, as a view of the hasher's output rather than a
    // copy (a copy was an eighth of what a set allocates); a custom one now, so its errors come first.
    const hash = this.hashFn === blake3HashFn ? undefined : this.#hash(key)
    const result = this.cas.save(bytes, 'raw').then((pointer) => {
      const inserted = this.#insert(key, hash ?? hashKeyView(blake3HashFn, key), pointer, undefined)
      // As #insertLast, written out: this is the path a bulk load takes for every key.
      if (inserted === undefined && this.#queue === result) this.#queueIdle = true
      return inserted
    })
    this.#queue = result
    this.#queueIdle = false
    return result
  }

  /** A set behind other writes, or with a signal: the tree update waits its turn in the queue. */
  #setInTurn(key: string, bytes: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const hash = this.#hash(key)
    // Values are saved concurrently; only the tree updates wait their turn. While a switch to
    // read-only is queued, the save waits to see whether the switch happened.
    let saved = this.#queuedReadOnly ? undefined : this.#saveValue(bytes, signal)
    let started = false
    const result = this.#enqueueSet(() => {
      if (this.#readOnly) throw new ReadOnlyError('set')
      signal?.throwIfAborted()
      started = true
      saved ??= this.#saveValue(bytes, signal)
      return saved.then((pointer) => this.#insertLast(key, hash, pointer, signal, result))
    })
    return signal === undefined ? result : abortable(result, signal, () => started)
  }

  /**
   * {@link HAMT.#insert} for a set whose queue entry is `entry`: once the insert is done, the queue is
   * idle if that entry is still its last. Otherwise (a failure, a load under way, writes queued
   * behind) it stays busy, and the next write takes its turn, which frees it again.
   */
  #insertLast(
    key: string,
    hash: Uint8Array,
    pointer: CID,
    signal: AbortSignal | undefined,
    entry: Promise<void>,
  ): void | Promise<void> {
    const inserted = this.#insert(key, hash, pointer, signal)
    if (inserted === undefined) this.#settled(entry)
    return inserted
  }

  /**
   * {@link HAMT.#enqueue} for a set's tree update, which frees the queue itself once its insert is
   * done (see {@link HAMT.#insertLast}): a promise less per set.
   */
  #enqueueSet(turn: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(turn, turn)
    this.#queue = result
    this.#queueIdle = false
    return result
  }

  /** Marks the queue idle if `entry` is still its last operation (and has settled). */
  #settled(entry: Promise<unknown>): void {
    if (this.#queue === entry) this.#queueIdle = true
  }

  /** Saves a value's bytes as a raw block; a failure surfaces where the save is awaited. */
  #saveValue(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<CID> {
    const saved = abortable(this.cas.save(bytes, 'raw', signal === undefined ? undefined : { signal }), signal)
    saved.catch(ignore)
    return saved
  }

  /**
   * Write mode: points `key` at `pointer`; synchronous when nothing needs loading or spilling. `hash`
   * may be a view that the next hash overwrites (see {@link insertEntry}): it is copied before a wait.
   */
  #insert(key: string, hash: Uint8Array, pointer: CID, signal: AbortSignal | undefined): void | Promise<void> {
    const root = this.#root
    if (this.#writeBytes > this.#maxBytes || !(root instanceof HamtNode)) {
      return this.#insertAfterLoads(key, hash.slice(), pointer, signal)
    }
    const added = insertEntry(root, key, hash, pointer.bytes, this.#writeContext, signal)
    if (typeof added === 'number') this.#writeBytes += added
    // Not `+= await`: loading children adds to the total meanwhile.
    else
      return added.then((bytes) => {
        this.#writeBytes += bytes
      })
  }

  /** {@link HAMT.#insert} when the tree is over its budget or its root is not loaded. */
  async #insertAfterLoads(key: string, hash: Uint8Array, pointer: CID, signal: AbortSignal | undefined): Promise<void> {
    await this.#spillIfOver(signal)
    const root = this.#rootNode()
    const added = await insertEntry(
      root instanceof HamtNode ? root : await root,
      key,
      hash,
      pointer.bytes,
      this.#writeContext,
      signal,
    )
    this.#writeBytes += added
  }

  /**
   * Removes `key`.
   *
   * @returns `true` if the key existed.
   * @throws {ReadOnlyError} when the HAMT is read-only by the time the delete runs.
   */
  async delete(key: string): Promise<boolean> {
    checkKey(key)
    const hash = this.#hash(key)
    return this.#enqueue(async () => {
      if (this.#readOnly) throw new ReadOnlyError('delete')
      await this.#spillIfOver(undefined)
      const root = this.#rootNode()
      return removeEntry(root instanceof HamtNode ? root : await root, key, hash, this.#writeContext)
    })
  }

  /** The value of `key`, or `undefined` when it is absent. Sees every completed write. */
  get(key: string): Promise<V | undefined> {
    // Not async: on a warm read-only path the store's own promise is the only one made.
    let found: CID | undefined | Promise<CID | undefined>
    try {
      found = this.#pointer(key)
    } catch (error) {
      return Promise.reject(error)
    }
    if (found instanceof Promise) {
      return found.then((pointer) => (pointer === undefined ? undefined : this.#loadValue(pointer)))
    }
    return found === undefined ? Promise.resolve(undefined) : this.#loadValue(found)
  }

  /** Whether `key` is present. */
  async has(key: string): Promise<boolean> {
    return (await this.#pointer(key)) !== undefined
  }

  /**
   * The CID of the block holding `key`'s value, or `undefined`. Values are immutable blocks, so the
   * CID is a safe cache key for them.
   */
  async getPointer(key: string): Promise<CID | undefined> {
    const pointer = await this.#pointer(key)
    // A read-only lookup answers with a view of a node's block: the caller's copy must not keep it.
    return pointer === undefined || !this.#readOnly ? pointer : detachedCid(pointer)
  }

  #pointer(key: string): CID | undefined | Promise<CID | undefined> {
    checkKey(key)
    // A view of the hash, not a copy: lookups and a root load read it only while they run synchronously.
    const hash = hashKeyView(this.hashFn, key)
    if (this.#readOnly) {
      const root = this.#stored(hash)
      if (root instanceof Promise) return root.then((r) => lookupStored(r, key, this.#hash(key), this.#readContext))
      return lookupStored(root, key, hash, this.#readContext)
    }
    const root = this.#rootNode()
    if (!(root instanceof HamtNode)) return root.then((r) => lookup(r, key, this.#hash(key), this.#peekContext))
    return lookup(root, key, hash, this.#peekContext)
  }

  /**
   * Read-only mode: loads the root and every node of the first `depth` levels under it into the node
   * cache, each level's nodes all at once, so later reads of any key skip those round trips. What a
   * reader of a remote dataset calls when opening it, without waiting. Stops early rather than load
   * more than the cache keeps (`cacheMaxBytes`). Loads that fail are counted, not thrown: a read
   * under that node tries again and reports it. In write mode it does nothing.
   *
   * @throws the signal's reason when `options.signal` aborts (nodes already loaded stay cached).
   */
  async preload(depth = 1, options: { signal?: AbortSignal } = {}): Promise<PreloadResult> {
    if (!Number.isSafeInteger(depth) || depth < 0) {
      throw new InvalidOptionError(`preload depth must be a non-negative integer, got ${String(depth)}`)
    }
    if (!this.#readOnly) return { nodes: 0, levels: 0, failed: 0 }
    const root = await abortable(Promise.resolve(this.#stored()), options.signal)
    return preloadLevels(root, depth, this.#readContext, this.#maxBytes, options.signal)
  }

  /**
   * Read-only mode: {@link HAMT.preload} of level 1 when that is cheap and the whole index: when the
   * level-1 nodes already at hand hold buckets only (the tree is two levels deep, so with level 1
   * every key's value CID is at hand) and all of level 1, judged by them, takes at most `maxBytes`
   * of blocks. Otherwise, and when no level-1 node is at hand yet, it loads nothing. What a reader
   * of a remote dataset calls once it has read a first key (`ZarrHAMTStore` does, after `zarr.json`):
   * reads spread over the dataset then wait for their values alone.
   *
   * @throws the signal's reason when `options.signal` aborts (nodes already loaded stay cached).
   */
  async preloadIfShallow(maxBytes: number, options: { signal?: AbortSignal } = {}): Promise<PreloadResult> {
    const none = { nodes: 0, levels: 0, failed: 0 }
    if (!this.#readOnly) return none
    const root = await abortable(Promise.resolve(this.#stored()), options.signal)
    const seen = root.children?.filter((child) => child !== undefined) ?? []
    if (seen.length === 0 || seen.some((child) => child.hasLinks)) return none
    let links = 0
    for (let index = 0; index < SLOT_COUNT; index++) if (slotKind(root, index) === LINK) links++
    const blockBytes = seen.reduce((sum, child) => sum + child.bytes.byteLength, 0) / seen.length
    if (links * blockBytes > maxBytes) return none
    return preloadLevels(root, 1, this.#readContext, this.#maxBytes, options.signal)
  }

  /**
   * Every key, in tree order. In write mode the iteration sees the HAMT as it was when it started,
   * so writing inside the loop is safe.
   */
  async *keys(): AsyncGenerator<string> {
    for await (const buckets of this.#buckets())
      for (const bucket of buckets) for (const key of bucket.keys()) yield key
  }

  /** Every key with its value (see {@link HAMT.keys}). */
  async *entries(): AsyncGenerator<[string, V]> {
    for await (const buckets of this.#buckets()) {
      // A bucket's values are loaded together: a few at a time, however large they are.
      for (const bucket of buckets) {
        const pairs = [...bucket]
        const values = pairs.map(([, pointer]) => this.#loadValue(pointer))
        for (const value of values) value.catch(ignore)
        for (let i = 0; i < pairs.length; i++) {
          yield [(pairs[i] as [string, CID])[0], await (values[i] as Promise<V>)]
        }
      }
    }
  }

  /** Number of keys (py-hamt's `len`); walks the whole tree. */
  async size(): Promise<number> {
    let count = 0
    for await (const buckets of this.#buckets()) for (const bucket of buckets) count += bucket.size
    return count
  }

  /**
   * Saves every changed node, bottom-up with siblings in parallel, sets {@link HAMT.rootNodeId}, and
   * switches to read-only mode. With no changes nothing is written (a new HAMT's empty root is saved
   * by its first commit). If the store fails, or `options.signal` aborts, the error surfaces, the
   * HAMT stays in write mode with nothing lost, and calling this again completes.
   */
  async makeReadOnly(options: WriteOptions = {}): Promise<void> {
    const { signal } = options
    this.#queuedReadOnly = true
    let started = false
    await abortable(
      this.#enqueue(async () => {
        if (this.#readOnly) return
        try {
          signal?.throwIfAborted()
          started = true
          await this.#commit(signal)
        } catch (error) {
          this.#queuedReadOnly = this.#readOnly
          throw error
        }
        this.#dropTree()
        this.#readOnly = true
      }),
      signal,
      () => started,
    )
  }

  /** Switches to write mode; writes called after this (even before it settles) are applied. */
  async enableWrite(): Promise<void> {
    this.#queuedReadOnly = false
    await this.#enqueue(async () => {
      if (!this.#readOnly) return
      this.#cache.clear()
      this.#storedRoot = undefined
      this.#readOnly = false
    })
  }

  /**
   * Estimated bytes of heap the HAMT's nodes hold: the node cache (and root) in read-only mode, the
   * loaded tree in write mode. Within 2× of what V8 holds for them; values are never kept.
   */
  async cacheSize(): Promise<number> {
    if (this.#readOnly) return this.#cache.bytes + (this.#storedRoot instanceof StoredNode ? this.#storedRoot.size : 0)
    return this.#enqueue(async () => (this.#root instanceof HamtNode ? loadedMemory(this.#root) : 0))
  }

  /**
   * Empties the in-memory caches. In write mode the changed nodes are saved first (so
   * {@link HAMT.rootNodeId} is valid afterwards) and the tree is then reloaded on demand.
   */
  async cacheVacate(options: WriteOptions = {}): Promise<void> {
    if (this.#readOnly) {
      this.#cache.clear()
      return
    }
    const { signal } = options
    let started = false
    await abortable(
      this.#enqueue(async () => {
        signal?.throwIfAborted()
        started = true
        await this.#commit(signal)
        this.#dropTree()
      }),
      signal,
      () => started,
    )
  }

  async #commit(signal: AbortSignal | undefined): Promise<void> {
    const root = this.#root instanceof Promise ? await this.#root : this.#root
    if (root === undefined) return
    this.#rootCid = await flush(root, this.#saver(signal))
  }

  #saver(signal: AbortSignal | undefined): (bytes: Uint8Array) => Promise<CID> {
    const limit = pLimit(FLUSH_CONCURRENCY)
    return (bytes) =>
      limit(() => {
        signal?.throwIfAborted()
        return abortable(this.cas.save(bytes, 'dag-cbor', { signal }), signal)
      })
  }

  #dropTree(): void {
    this.#root = undefined
    this.#writeBytes = 0
  }

  /**
   * Write mode: when the loaded tree is over its budget, saves and unloads subtrees, deepest first,
   * until it is within half the budget. Saved nodes are intermediate blocks; the next commit writes
   * the final ones. A failure changes nothing but which nodes are saved.
   */
  async #spillIfOver(signal: AbortSignal | undefined): Promise<void> {
    if (this.#writeBytes <= this.#maxBytes || !(this.#root instanceof HamtNode)) return
    const root = this.#root
    const save = this.#saver(signal)
    for (let depth = loadedDepth(root); depth >= 1; depth--) {
      const evicted: { parent: HamtNode; index: number; child: HamtNode }[] = []
      collectAtDepth(root, depth, evicted)
      const results = await Promise.allSettled(evicted.map(({ child }) => flush(child, save)))
      for (const { parent, index, child } of evicted) {
        if (parent.slots[index] === child && child.cid !== undefined) parent.slots[index] = child.cid
      }
      this.#writeBytes = loadedMemory(root)
      for (const result of results) if (result.status === 'rejected') throw result.reason
      if (this.#writeBytes <= this.#maxBytes / 2) return
    }
  }

  #enqueue<T>(operation: () => T | PromiseLike<T>): Promise<T> {
    // The next operation runs once this one settles either way (it ignores the outcome it is given).
    const result = this.#queue.then(operation, operation)
    this.#queue = result
    this.#queueIdle = false
    result.then(
      () => this.#settled(result),
      () => this.#settled(result),
    )
    return result
  }

  /** The buckets of the tree, a node's at a time (see walk.ts). */
  async *#buckets(): AsyncGenerator<BucketView[]> {
    if (this.#readOnly) {
      yield* walkStoredBuckets(await this.#stored(), this.#readContext)
      return
    }
    const view = await this.#enqueue(async () => snapshot(await this.#rootNode()))
    // Unloaded children of the copy are read straight from the store, never attached to it.
    yield* walkBuckets(view, {
      ...this.#writeContext,
      child: (parent, index, cid) => this.#loadNode(cid, childPath(parent, index)),
    })
  }

  /** Write mode: the root, loaded on first use. */
  #rootNode(): HamtNode | Promise<HamtNode> {
    if (this.#root === undefined) {
      const loading = this.#loadNode(this.#rootCid as CID, ROOT_PATH)
      this.#root = loading
      loading.then(
        (node) => {
          if (this.#root !== loading) return
          this.#root = node
          this.#writeBytes = node.size
        },
        () => {
          if (this.#root === loading) this.#root = undefined
        },
      )
    }
    return this.#root
  }

  /**
   * Read-only mode: the root, loaded on first use; with the chain of nodes of the key whose `hash`
   * is given (read during the call only), where the store can fetch it in the same round trip.
   */
  #stored(hash?: Uint8Array): StoredNode | Promise<StoredNode> {
    if (this.#storedRoot === undefined) {
      const loading = this.#loadStored(this.#rootCid as CID, ROOT_PATH, hash)
      this.#storedRoot = loading
      loading.then(
        (node) => {
          if (this.#storedRoot === loading) this.#storedRoot = node
        },
        () => {
          if (this.#storedRoot === loading) this.#storedRoot = undefined
        },
      )
    }
    return this.#storedRoot
  }

  /**
   * Write mode: loads the child `parent.slots[index]` links to and puts it in the tree (for reads,
   * only while the tree is within its budget).
   */
  #attachChild(parent: HamtNode, index: number, cid: CID, always: boolean): Promise<HamtNode> {
    let byIndex = this.#loading.get(parent)
    if (byIndex === undefined) {
      byIndex = new Map()
      this.#loading.set(parent, byIndex)
    }
    let loading = byIndex.get(index)
    if (loading === undefined || !loading.cid.equals(cid)) {
      const node = this.#loadNode(cid, childPath(parent, index)).finally(() => {
        const pending = this.#loading.get(parent)
        if (pending?.get(index)?.node !== node) return
        pending.delete(index)
        if (pending.size === 0) this.#loading.delete(parent)
      })
      loading = { cid, node }
      byIndex.set(index, loading)
    }
    return loading.node.then((node) => {
      const slot = parent.slots[index]
      if (slot instanceof HamtNode) return slot
      if (slot === cid && (always || this.#writeBytes < this.#maxBytes)) {
        parent.slots[index] = node
        this.#writeBytes += node.size
      }
      return node
    })
  }

  async #loadNode(cid: CID, path: Uint8Array): Promise<HamtNode> {
    const bytes = await this.cas.load(cid)
    return this.#decodeAt(bytes, cid, path)
  }

  #decodeAt(bytes: Uint8Array, cid: CID, path: Uint8Array): HamtNode {
    return decodeNode(bytes, cid, this.#place(path))
  }

  #storedAt(bytes: Uint8Array, cid: CID, path: Uint8Array): StoredNode {
    return storedNode(bytes, cid, this.#place(path))
  }

  #place(path: Uint8Array): NodePlace {
    return { path, hashKeyBytes: this.#hashBytes, hashLength: this.#keyHashLength() }
  }

  /**
   * Read-only mode: loads the node `cid` at `path` and, when `hash` (a key's, read only during this
   * call) is given and the store has `loadPath`, the nodes below it on that key's chain in the same
   * round trip, which go into the cache: a remote read then costs one round trip, not one per level.
   */
  #loadStored(cid: CID, path: Uint8Array, hash: Uint8Array | undefined): Promise<StoredNode> {
    const loadPath = this.cas.loadPath
    if (hash === undefined || loadPath === undefined) {
      return this.cas.load(cid).then((bytes) => this.#storedAt(bytes, cid, path))
    }
    return loadPath.call(this.cas, cid, chainPath(hash, path.length)).then(async (blocks) => {
      const found = new BlockSet(blocks)
      const bytes = found.get(cid) ?? (await this.cas.load(cid))
      const node = this.#storedAt(bytes, cid, path)
      placeBlocks(
        node,
        found,
        (childBytes, childCid, parent, index) => this.#storedAt(childBytes, childCid, childPath(parent, index)),
        (childCid, child, parent, index) => this.#cache.put(childCid, child, parent, index),
      )
      return node
    })
  }

  #keyHashLength(): number {
    this.#hashLength ??= this.#hash('').length
    return this.#hashLength
  }

  #loadValue(pointer: CID): Promise<V> {
    const loaded = this.cas.load(pointer)
    return (this.valuesAreBytes ? loaded : loaded.then((bytes) => dagCbor.decode(bytes))) as Promise<V>
  }

  #encodeValue(key: string, value: V): Uint8Array {
    let bytes: Uint8Array
    if (this.valuesAreBytes) {
      if (!(value instanceof Uint8Array)) {
        throw new InvalidValueError(key, 'valuesAreBytes is set, so the value must be a Uint8Array')
      }
      bytes = value
    } else {
      if (value instanceof Uint8Array && value.byteLength > MAX_VALUE_BYTES) throw tooBig(key, value.byteLength)
      try {
        bytes = dagCbor.encode(value)
      } catch (cause) {
        throw new InvalidValueError(key, `not encodable as DAG-CBOR (${(cause as Error).message})`, { cause })
      }
    }
    if (bytes.byteLength > MAX_VALUE_BYTES) throw tooBig(key, bytes.byteLength)
    return bytes
  }

  #hash(key: string): Uint8Array {
    return hashKey(this.hashFn, key)
  }

  readonly #hashBytes = (key: Uint8Array): Uint8Array => hashKeyBytes(this.hashFn, key)
}

function checkKey(key: unknown): asserts key is string {
  // An ill-formed string (a lone surrogate) would be stored as U+FFFD: another key than the one given.
  if (typeof key !== 'string' || !key.isWellFormed()) throw new InvalidKeyError(key)
}

function tooBig(key: string, bytes: number): InvalidValueError {
  return new InvalidValueError(key, `${bytes} bytes is more than the ${MAX_VALUE_BYTES} a value may hold`)
}

/** Estimated memory of a loaded write-mode tree. */
function loadedMemory(node: HamtNode): number {
  let total = nodeMemory(node)
  for (const slot of node.slots) if (slot instanceof HamtNode) total += loadedMemory(slot)
  return total
}

/** Depth of the deepest loaded node under `node` (`node` itself at 0). */
function loadedDepth(node: HamtNode): number {
  let deepest = 0
  for (const slot of node.slots) if (slot instanceof HamtNode) deepest = Math.max(deepest, 1 + loadedDepth(slot))
  return deepest
}

/** The loaded nodes `depth` levels under `node`, with where they hang. */
function collectAtDepth(
  node: HamtNode,
  depth: number,
  out: { parent: HamtNode; index: number; child: HamtNode }[],
): void {
  for (let index = 0; index < node.slots.length; index++) {
    const child = node.slots[index]
    if (!(child instanceof HamtNode)) continue
    if (depth === 1) out.push({ parent: node, index, child })
    else collectAtDepth(child, depth - 1, out)
  }
}
