import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import type { ContentAddressedStore } from './cas.js'

/**
 * A key, its hash, and the bytes of the CID of its saved value: a CID object, its digest and its views
 * cost V8 about three times what these bytes do, and a bulk build holds up to a budget of entries.
 */
export interface HashedEntry {
  readonly key: string
  readonly hash: Uint8Array
  readonly cid: Uint8Array
}

/** What {@link orderByHash} needs: a hash, a scratch store, and a memory budget. */
export interface OrderingContext {
  hashKey(key: string): Uint8Array
  /** Saves a scratch chunk (DAG-CBOR) and returns its CID. */
  save(bytes: Uint8Array): Promise<CID>
  readonly cas: ContentAddressedStore
  /** Estimated heap bytes the buffered entries may hold. */
  readonly maxBytes: number
}

/**
 * `source` ordered by key hash (bytewise; equal hashes keep their order), taken and given in batches
 * (see batches.ts), in bounded memory: while the entries fit in `maxBytes` they are sorted in memory;
 * past it they are partitioned by the hash byte at `depth` into scratch chunks in the store, and each
 * partition is then ordered in turn, in partition order, the same way one byte deeper. Every entry is
 * written to the scratch area once per level of partitioning (one level up to about 256 × `maxBytes`
 * of entries).
 */
export async function* orderByHash(
  source: AsyncIterable<readonly HashedEntry[]>,
  depth: number,
  ctx: OrderingContext,
): AsyncGenerator<HashedEntry[]> {
  let buffered: HashedEntry[] = []
  let bytes = 0
  let partitions: ChunkList[] | undefined
  for await (const batch of source) {
    for (const entry of batch) {
      buffered.push(entry)
      bytes += entryCost(entry)
    }
    const last = batch[batch.length - 1]
    if (bytes > ctx.maxBytes && last !== undefined && depth < last.hash.length) {
      partitions ??= Array.from({ length: 256 }, () => new ChunkList())
      await writePartitions(buffered, depth, partitions, ctx)
      buffered = []
      bytes = 0
    }
  }
  if (partitions === undefined) {
    yield sortedByHash(buffered)
    return
  }
  await writePartitions(buffered, depth, partitions, ctx)
  buffered = []
  for (const chunks of partitions) {
    if (chunks.count > 0) yield* orderByHash(readChunks(chunks, ctx), depth + 1, ctx)
  }
}

/**
 * Heap bytes of a buffered entry, its key aside: the object, its hash and a view of its CID (measured,
 * 290), and the CID's bytes the view keeps (36).
 */
const ENTRY_BYTES = 330

function entryCost(entry: HashedEntry): number {
  return ENTRY_BYTES + entry.key.length * 2
}

async function writePartitions(
  entries: readonly HashedEntry[],
  depth: number,
  partitions: ChunkList[],
  ctx: OrderingContext,
): Promise<void> {
  // A chunk is `[[key, CID bytes], …]`: the CIDs as plain bytes, which read back without making CIDs.
  const groups = new Map<number, [string, Uint8Array][]>()
  for (const { key, hash, cid } of entries) {
    const index = hash[depth] as number
    const group = groups.get(index)
    if (group === undefined) groups.set(index, [[key, cid]])
    else group.push([key, cid])
  }
  await Promise.all(
    [...groups].map(async ([index, group]) => {
      return [index, await ctx.save(dagCbor.encode(group))] as const
    }),
  ).then((saved) => {
    for (const [index, cid] of saved) (partitions[index] as ChunkList).push(cid)
  })
}

/**
 * The CIDs of one partition's chunks, in the order written, as their bytes end to end: a CID object
 * costs V8 about 300 bytes, its bytes 36, and a large build writes tens of thousands of chunks.
 */
class ChunkList {
  #bytes = new Uint8Array(1024)
  #length = 0
  count = 0

  push(cid: CID): void {
    const bytes = cid.bytes
    if (this.#length + bytes.length + 1 > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + bytes.length + 1))
      grown.set(this.#bytes.subarray(0, this.#length))
      this.#bytes = grown
    }
    this.#bytes[this.#length] = bytes.length
    this.#bytes.set(bytes, this.#length + 1)
    this.#length += bytes.length + 1
    this.count++
  }

  *[Symbol.iterator](): Generator<CID> {
    for (let at = 0; at < this.#length; ) {
      const length = this.#bytes[at] as number
      yield CID.decode(this.#bytes.slice(at + 1, at + 1 + length))
      at += length + 1
    }
  }
}

async function* readChunks(chunks: ChunkList, ctx: OrderingContext): AsyncGenerator<HashedEntry[]> {
  for (const cid of chunks) {
    const pairs = dagCbor.decode(await ctx.cas.load(cid)) as [string, Uint8Array][]
    yield pairs.map(([key, bytes]) => ({ key, hash: ctx.hashKey(key), cid: bytes }))
  }
}

/** Entries a sort by packed numbers can take: their index must fit beside a 32-bit hash prefix. */
const PACKED_SORT_MAX = 2 ** 21

/**
 * `entries` sorted by hash, equal hashes in their order. Each entry is packed into one float, the first
 * four hash bytes above its index (32 + 21 bits fit a float's 53), and the floats sorted natively: a
 * sort calling a comparator that reads two hashes was a tenth of a bulk build. Entries whose first four
 * bytes tie are then sorted by their whole hash.
 */
function sortedByHash(entries: HashedEntry[]): HashedEntry[] {
  const n = entries.length
  if (n >= PACKED_SORT_MAX) return entries.sort(compareHashes)
  const packed = new Float64Array(n)
  for (let i = 0; i < n; i++) packed[i] = prefixOf((entries[i] as HashedEntry).hash) * PACKED_SORT_MAX + i
  packed.sort()
  const sorted = new Array<HashedEntry>(n)
  for (let i = 0; i < n; i++) sorted[i] = entries[(packed[i] as number) % PACKED_SORT_MAX] as HashedEntry
  for (let start = 0; start < n; ) {
    const prefix = Math.floor((packed[start] as number) / PACKED_SORT_MAX)
    let end = start + 1
    while (end < n && Math.floor((packed[end] as number) / PACKED_SORT_MAX) === prefix) end++
    if (end - start > 1) {
      // Array#sort is stable: equal hashes keep the index order the packed sort gave them.
      const run = sorted.slice(start, end).sort(compareHashes)
      for (let i = 0; i < run.length; i++) sorted[start + i] = run[i] as HashedEntry
    }
    start = end
  }
  return sorted
}

/** The first four bytes of `hash` as an unsigned number (missing bytes as zero). */
function prefixOf(hash: Uint8Array): number {
  return (((hash[0] ?? 0) << 24) | ((hash[1] ?? 0) << 16) | ((hash[2] ?? 0) << 8) | (hash[3] ?? 0)) >>> 0
}

function compareHashes(a: HashedEntry, b: HashedEntry): number {
  const x = a.hash
  const y = b.hash
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}
