import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import pLimit from 'p-limit'
import type { ContentAddressedStore } from './cas.js'
import {
  InvalidKeyError,
  InvalidOptionError,
  InvalidValueError,
  ReadOnlyError,
  UncommittedChangesError,
} from './errors.js'
import { flush } from './flush.js'
import { blake3HashFn, type HashFn } from './hash.js'
import { insertEntry } from './insert.js'
import { lookup } from './lookup.js'
import { decodeNode, EMPTY_NODE_BYTES, HamtNode } from './node.js'
import { NodeCache } from './node-cache.js'
import { removeEntry } from './remove.js'
import type { TreeContext } from './tree-context.js'
import { snapshot, walkBuckets } from './walk.js'

/** Options of {@link HAMT.build}. */
export interface HamtOptions {
  /** Where nodes and values are stored. */
  cas: ContentAddressedStore
  /** Root of an existing HAMT; without it an empty HAMT is created (and its root saved). */
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
  /** Byte budget of read-only mode's node cache. Default 64 MiB. */
  cacheMaxBytes?: number
}

const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024
/** Node saves in flight at once while committing. */
const FLUSH_CONCURRENCY = 32
const utf8 = new TextEncoder()
const ignore = (): void => {}

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
  #rootCid: CID
  /**
   * The root node, loaded on first use. In write mode its subtree holds every change not yet saved;
   * in read-only mode it is kept out of the cache so it is never evicted.
   */
  #root: HamtNode | Promise<HamtNode> | undefined
  readonly #cache: NodeCache
  /** Write mode: loads of children not yet attached to the tree, by CID. */
  readonly #loading = new Map<string, Promise<HamtNode>>()
  /** Tail of the queue that runs writes and mode changes one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #readContext: TreeContext
  readonly #writeContext: TreeContext

  private constructor(options: HamtOptions, rootCid: CID) {
    this.cas = options.cas
    this.maxBucketSize = options.maxBucketSize ?? 4
    this.valuesAreBytes = options.valuesAreBytes ?? false
    this.hashFn = options.hashFn ?? blake3HashFn
    this.#readOnly = options.readOnly ?? false
    this.#rootCid = rootCid
    this.#cache = new NodeCache((cid) => this.#loadNode(cid), options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES)
    const hashKey = (key: string): Uint8Array => this.#hash(key)
    this.#readContext = {
      maxBucketSize: this.maxBucketSize,
      hashKey,
      child: (_parent, _index, cid) => this.#cache.get(cid),
    }
    this.#writeContext = {
      maxBucketSize: this.maxBucketSize,
      hashKey,
      child: (parent, index, cid) => this.#attachChild(parent, index, cid),
    }
  }

  /**
   * Opens the HAMT at `options.rootNodeId`, or creates an empty one (saving its empty root node).
   *
   * @throws {InvalidOptionError} for a `maxBucketSize` or `cacheMaxBytes` that is not a positive
   * integer, or `readOnly` without `rootNodeId`.
   */
  static async build<V = unknown>(options: HamtOptions): Promise<HAMT<V>> {
    const { maxBucketSize = 4, cacheMaxBytes = DEFAULT_CACHE_MAX_BYTES } = options
    if (!Number.isSafeInteger(maxBucketSize) || maxBucketSize < 1) {
      throw new InvalidOptionError(`maxBucketSize must be a positive integer, got ${String(maxBucketSize)}`)
    }
    if (!Number.isSafeInteger(cacheMaxBytes) || cacheMaxBytes < 1) {
      throw new InvalidOptionError(`cacheMaxBytes must be a positive integer, got ${String(cacheMaxBytes)}`)
    }
    if (options.hashFn !== undefined && typeof options.hashFn !== 'function') {
      throw new InvalidOptionError('hashFn must be a function')
    }
    if (options.cas === undefined || typeof options.cas.save !== 'function' || typeof options.cas.load !== 'function') {
      throw new InvalidOptionError('cas must implement ContentAddressedStore (save and load)')
    }
    let root = options.rootNodeId
    if (root === undefined) {
      if (options.readOnly === true) {
        throw new InvalidOptionError('a read-only HAMT needs a rootNodeId')
      }
      root = await options.cas.save(EMPTY_NODE_BYTES, 'dag-cbor')
    }
    return new HAMT<V>(options, root)
  }

  /** Whether the HAMT is in read-only mode. */
  get readOnly(): boolean {
    return this.#readOnly
  }

  /**
   * CID of the root node: what to keep to reopen this HAMT.
   *
   * @throws {UncommittedChangesError} in write mode while changes are buffered; call
   * {@link HAMT.makeReadOnly} first.
   */
  get rootNodeId(): CID {
    if (this.#root instanceof HamtNode) {
      if (this.#root.cid === undefined) throw new UncommittedChangesError()
      return this.#root.cid
    }
    return this.#rootCid
  }

  /**
   * Sets `key` to `value`: the value is saved as its own raw block, then the tree is updated in memory.
   *
   * @throws {ReadOnlyError} in read-only mode.
   * @throws {InvalidKeyError} when `key` is not a well-formed string.
   * @throws {InvalidValueError} when `value` cannot be encoded (the HAMT is left unchanged).
   */
  async set(key: string, value: V): Promise<void> {
    checkKey(key)
    if (this.#readOnly) throw new ReadOnlyError('set')
    const bytes = this.#encodeValue(key, value)
    const hash = this.#hash(key)
    // Values are saved concurrently; only the tree updates wait their turn.
    const saved = this.cas.save(bytes, 'raw')
    saved.catch(ignore)
    await this.#enqueue(async () => {
      if (this.#readOnly) throw new ReadOnlyError('set')
      const pointer = await saved
      const root = this.#rootNode()
      await insertEntry(root instanceof HamtNode ? root : await root, key, hash, pointer, this.#writeContext)
    })
  }

  /**
   * Removes `key`.
   *
   * @returns `true` if the key existed.
   * @throws {ReadOnlyError} in read-only mode.
   */
  async delete(key: string): Promise<boolean> {
    checkKey(key)
    if (this.#readOnly) throw new ReadOnlyError('delete')
    const hash = this.#hash(key)
    return this.#enqueue(async () => {
      if (this.#readOnly) throw new ReadOnlyError('delete')
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
    return this.#pointer(key)
  }

  #pointer(key: string): CID | undefined | Promise<CID | undefined> {
    checkKey(key)
    const hash = this.#hash(key)
    const ctx = this.#readOnly ? this.#readContext : this.#writeContext
    const root = this.#rootNode()
    return root instanceof HamtNode ? lookup(root, key, hash, ctx) : root.then((r) => lookup(r, key, hash, ctx))
  }

  /**
   * Every key, in tree order. In write mode the iteration sees the HAMT as it was when it started,
   * so writing inside the loop is safe.
   */
  async *keys(): AsyncGenerator<string> {
    for await (const bucket of this.#buckets()) yield* bucket.keys()
  }

  /** Every key with its value (see {@link HAMT.keys}). */
  async *entries(): AsyncGenerator<[string, V]> {
    for await (const bucket of this.#buckets()) {
      const pairs = [...bucket]
      const values = pairs.map(([, pointer]) => this.#loadValue(pointer))
      for (const value of values) value.catch(ignore)
      for (let i = 0; i < pairs.length; i++) {
        yield [(pairs[i] as [string, CID])[0], await (values[i] as Promise<V>)]
      }
    }
  }

  /** Number of keys (py-hamt's `len`); walks the whole tree. */
  async size(): Promise<number> {
    let count = 0
    for await (const bucket of this.#buckets()) count += bucket.size
    return count
  }

  /**
   * Saves every changed node, bottom-up with siblings in parallel, sets {@link HAMT.rootNodeId}, and
   * switches to read-only mode. With no changes nothing is written. If the store fails, the error
   * surfaces, the HAMT stays in write mode with nothing lost, and calling this again completes.
   */
  async makeReadOnly(): Promise<void> {
    await this.#enqueue(async () => {
      if (this.#readOnly) return
      await this.#commit()
      this.#root = undefined
      this.#readOnly = true
    })
  }

  /** Switches to write mode. */
  async enableWrite(): Promise<void> {
    await this.#enqueue(async () => {
      if (!this.#readOnly) return
      this.#cache.clear()
      this.#root = undefined
      this.#readOnly = false
    })
  }

  /**
   * Approximate bytes held in memory: the node cache in read-only mode, the loaded tree in write mode.
   */
  async cacheSize(): Promise<number> {
    if (this.#readOnly) return this.#cache.bytes + (this.#root instanceof HamtNode ? this.#root.size : 0)
    return this.#enqueue(async () => (this.#root instanceof HamtNode ? treeBytes(this.#root) : 0))
  }

  /**
   * Empties the in-memory caches. In write mode the changed nodes are saved first (so
   * {@link HAMT.rootNodeId} is valid afterwards) and the tree is then reloaded on demand.
   */
  async cacheVacate(): Promise<void> {
    if (this.#readOnly) {
      this.#cache.clear()
      return
    }
    await this.#enqueue(async () => {
      await this.#commit()
      this.#root = undefined
    })
  }

  async #commit(): Promise<void> {
    const root = this.#root instanceof Promise ? await this.#root : this.#root
    if (root === undefined) return
    const limit = pLimit(FLUSH_CONCURRENCY)
    this.#rootCid = await flush(root, (bytes) => limit(() => this.cas.save(bytes, 'dag-cbor')))
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation)
    this.#queue = result.then(ignore, ignore)
    return result
  }

  async *#buckets(): AsyncGenerator<Map<string, CID>> {
    if (this.#readOnly) {
      yield* walkBuckets(await this.#rootNode(), this.#readContext)
      return
    }
    const view = await this.#enqueue(async () => snapshot(await this.#rootNode()))
    // Unloaded children of the copy are read straight from the store, never attached to it.
    yield* walkBuckets(view, { ...this.#readContext, child: (_p, _i, cid) => this.#loadNode(cid) })
  }

  #rootNode(): HamtNode | Promise<HamtNode> {
    if (this.#root === undefined) {
      const loading = this.#loadNode(this.#rootCid)
      this.#root = loading
      loading.then(
        (node) => {
          if (this.#root === loading) this.#root = node
        },
        () => {
          if (this.#root === loading) this.#root = undefined
        },
      )
    }
    return this.#root
  }

  /** Write mode: loads the child `parent.slots[index]` links to and puts it in the tree. */
  #attachChild(parent: HamtNode, index: number, cid: CID): Promise<HamtNode> {
    const key = cid.toString()
    let loading = this.#loading.get(key)
    if (loading === undefined) {
      loading = this.#loadNode(cid).finally(() => this.#loading.delete(key))
      this.#loading.set(key, loading)
    }
    return loading.then((node) => {
      const slot = parent.slots[index]
      if (slot === cid) parent.slots[index] = node
      return slot instanceof HamtNode ? slot : node
    })
  }

  async #loadNode(cid: CID): Promise<HamtNode> {
    return decodeNode(await this.cas.load(cid), cid)
  }

  #loadValue(pointer: CID): Promise<V> {
    const loaded = this.cas.load(pointer)
    return (this.valuesAreBytes ? loaded : loaded.then((bytes) => dagCbor.decode(bytes))) as Promise<V>
  }

  #encodeValue(key: string, value: V): Uint8Array {
    if (this.valuesAreBytes) {
      if (!(value instanceof Uint8Array)) {
        throw new InvalidValueError(key, 'valuesAreBytes is set, so the value must be a Uint8Array')
      }
      return value
    }
    try {
      return dagCbor.encode(value)
    } catch (cause) {
      throw new InvalidValueError(key, `not encodable as DAG-CBOR (${(cause as Error).message})`, { cause })
    }
  }

  #hash(key: string): Uint8Array {
    const hash = this.hashFn(utf8Bytes(key))
    if (!(hash instanceof Uint8Array) || hash.length === 0) {
      throw new InvalidOptionError('hashFn must return a non-empty Uint8Array')
    }
    return hash
  }
}

/** UTF-8 bytes of a key; short ASCII keys (the usual kind) skip TextEncoder's native call. */
function utf8Bytes(key: string): Uint8Array {
  const length = key.length
  if (length > 64) return utf8.encode(key)
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i)
    if (code > 0x7f) return utf8.encode(key)
    bytes[i] = code
  }
  return bytes
}

function checkKey(key: unknown): asserts key is string {
  // An ill-formed string (a lone surrogate) would be stored as U+FFFD: another key than the one given.
  if (typeof key !== 'string' || !key.isWellFormed()) throw new InvalidKeyError(key)
}

/** Approximate bytes of a loaded write-mode tree (stored size, or an estimate for changed nodes). */
function treeBytes(node: HamtNode): number {
  let total = 0
  let estimate = 3
  for (const slot of node.slots) {
    if (slot === undefined) estimate += 1
    else if (slot instanceof Map) for (const key of slot.keys()) estimate += key.length + 42
    else {
      estimate += 42
      if (slot instanceof HamtNode) total += treeBytes(slot)
    }
  }
  return total + (node.cid !== undefined && node.size > 0 ? node.size : estimate)
}
