import type { CID } from 'multiformats/cid'
import { decodeShard, decodeShardEntry, entryByOffsets, indexShardEntries } from './shard-codec.js'

/** A shard as stored: its bytes, read entry by entry; an offsets table once it is hot. */
interface StoredShard {
  kind: 'stored'
  bytes: Uint8Array
  offsets: Uint32Array | undefined
  reads: number
}

/** A shard being edited: its entries, saved at the next commit while `dirty`. */
interface EditedShard {
  kind: 'edited'
  entries: (CID | null)[]
  dirty: boolean
}

/** A shard held by the {@link ShardCache}. */
export type CachedShard = StoredShard | EditedShard

/** Rough bytes of one CID object: its bytes plus the object, multihash and view around them. */
const CID_OBJECT_BYTES = 160

function sizeOf(shard: CachedShard): number {
  if (shard.kind === 'stored') return shard.bytes.byteLength + (shard.offsets?.byteLength ?? 0)
  let size = 8 * shard.entries.length
  for (const entry of shard.entries) if (entry !== null) size += CID_OBJECT_BYTES + entry.bytes.length
  return size
}

/**
 * Shards by `(array, shard number)`, bounded in bytes of memory (least recently used out first;
 * shards with unsaved edits are never evicted). Each shard is loaded once however many readers ask
 * for it at once. A stored shard answers one entry by scanning its bytes (py-hamt's sparse mode) and,
 * after `hotAfter` such reads, builds an offsets table so every later read is direct.
 */
export class ShardCache {
  readonly #shards = new Map<string, CachedShard>()
  readonly #sizes = new Map<string, number>()
  readonly #pending = new Map<string, Promise<CachedShard>>()
  #bytes = 0

  constructor(
    readonly maxBytes: number,
    readonly hotAfter: number,
  ) {}

  /** Bytes of memory the cached shards take (estimated for edited shards). */
  get bytes(): number {
    return this.#bytes
  }

  /** Number of shards held. */
  get size(): number {
    return this.#shards.size
  }

  /** The cached shard, or the one `load()` gives (one load for any number of concurrent callers). */
  get(key: string, load: () => Promise<CachedShard>): CachedShard | Promise<CachedShard> {
    const hit = this.#shards.get(key)
    if (hit !== undefined) {
      this.#shards.delete(key)
      this.#shards.set(key, hit)
      return hit
    }
    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = load().then(
        (shard) => {
          this.#pending.delete(key)
          // An edit that landed while loading wins.
          return this.#shards.get(key) ?? this.put(key, shard)
        },
        (error: unknown) => {
          this.#pending.delete(key)
          throw error
        },
      )
      this.#pending.set(key, pending)
    }
    return pending
  }

  /** Stores `shard` under `key` (replacing what was there) and evicts past the budget. */
  put(key: string, shard: CachedShard): CachedShard {
    this.#drop(key)
    this.#shards.set(key, shard)
    this.#account(key, shard)
    this.#evict()
    return shard
  }

  /** Entry `index` of a cached shard; a stored one turns hot after `hotAfter` reads. */
  entry(key: string, shard: CachedShard, index: number): CID | null {
    if (shard.kind === 'edited') return shard.entries[index] ?? null
    if (shard.offsets === undefined && ++shard.reads >= this.hotAfter) {
      shard.offsets = indexShardEntries(shard.bytes)
      if (this.#shards.get(key) === shard) {
        this.#account(key, shard)
        this.#evict()
      }
    }
    return shard.offsets === undefined
      ? decodeShardEntry(shard.bytes, index)
      : entryByOffsets(shard.bytes, shard.offsets, index)
  }

  /** The shard as editable entries (decoding a stored one), marked dirty. */
  edit(key: string, shard: CachedShard): EditedShard {
    if (shard.kind === 'edited') {
      shard.dirty = true
      return shard
    }
    const edited: EditedShard = { kind: 'edited', entries: decodeShard(shard.bytes), dirty: true }
    this.put(key, edited)
    return edited
  }

  /** Call after changing an edited shard's entries, so its size is counted. */
  touched(key: string): void {
    const shard = this.#shards.get(key)
    if (shard !== undefined) this.#account(key, shard)
  }

  /** Keys of shards with unsaved edits. */
  dirtyKeys(): string[] {
    const keys: string[] = []
    for (const [key, shard] of this.#shards) if (shard.kind === 'edited' && shard.dirty) keys.push(key)
    return keys
  }

  /** The cached shard of `key`, without loading or reordering. */
  peek(key: string): CachedShard | undefined {
    return this.#shards.get(key)
  }

  /** Marks a saved shard clean: it may now be evicted. */
  markClean(key: string): void {
    const shard = this.#shards.get(key)
    if (shard?.kind === 'edited') shard.dirty = false
    this.#evict()
  }

  /** Forgets `key`. */
  delete(key: string): void {
    this.#drop(key)
  }

  /** Forgets every clean shard. */
  clearClean(): void {
    for (const [key, shard] of [...this.#shards]) if (shard.kind !== 'edited' || !shard.dirty) this.#drop(key)
  }

  #account(key: string, shard: CachedShard): void {
    const size = sizeOf(shard)
    this.#bytes += size - (this.#sizes.get(key) ?? 0)
    this.#sizes.set(key, size)
  }

  #drop(key: string): void {
    if (!this.#shards.delete(key)) return
    this.#bytes -= this.#sizes.get(key) ?? 0
    this.#sizes.delete(key)
  }

  #evict(): void {
    if (this.#bytes <= this.maxBytes) return
    for (const [key, shard] of [...this.#shards]) {
      if (this.#bytes <= this.maxBytes) return
      if (shard.kind === 'edited' && shard.dirty) continue
      this.#drop(key)
    }
  }
}
