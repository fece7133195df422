/** Bytes of an arena chunk; a block bigger than a sixteenth of it gets a buffer of its own. */
const CHUNK_SIZE = 1024 * 1024
const OWN_BUFFER_FROM = CHUNK_SIZE / 16
/** Int32s per table entry: key, chunk + 1 (0: empty), offset in the chunk, multihash length. */
const STRIDE = 4
const INITIAL_CAPACITY = 1024

/**
 * Blocks by multihash, in a hash table of plain numbers over large shared buffers: no JavaScript object
 * per block. A random `get` among a few hundred thousand blocks was bound by cache misses (a Map's
 * table, its entry, a block object, its multihash view, that view's bytes, a chain of collisions);
 * here it touches the table entry, then the one place that holds the block's multihash and data.
 *
 * Entries are found by a 32-bit number taken from the end of the multihash (a digest, so evenly
 * spread) with linear probing, and the full multihash is compared on a hit. Each block is stored as
 * its data length (4 bytes), multihash, then data, packed into 1 MiB chunks.
 */
export class BlockIndex {
  #table = new Int32Array(INITIAL_CAPACITY * STRIDE)
  #mask = INITIAL_CAPACITY - 1
  #count = 0
  readonly #chunks: Uint8Array[] = []
  /** The chunk being filled, its place in `#chunks`, and how much of it is used. */
  #chunk: Uint8Array = new Uint8Array(0)
  #chunkIndex = -1
  #used = 0

  get count(): number {
    return this.#count
  }

  /**
   * The bytes of the block whose multihash is `source` from `from` on (a CID's bytes hold its
   * multihash at their end), as a view into shared storage to be treated as read-only; if held.
   */
  get(source: Uint8Array, from = 0): Uint8Array | undefined {
    const at = this.#find(source, from, keyOf(source))
    if (at < 0) return undefined
    const table = this.#table
    const chunk = this.#chunks[(table[at + 1] as number) - 1] as Uint8Array
    const offset = table[at + 2] as number
    const start = offset + 4 + (table[at + 3] as number)
    return chunk.subarray(start, start + readLength(chunk, offset))
  }

  /** Adds a copy of a block; returns false when the multihash was already held. */
  add(multihash: Uint8Array, data: Uint8Array): boolean {
    const key = keyOf(multihash)
    let at = this.#find(multihash, 0, key)
    if (at >= 0) return false
    if ((this.#count + 1) * 2 > this.#mask + 1) {
      this.#grow()
      at = this.#find(multihash, 0, key)
    }
    const size = 4 + multihash.length + data.length
    let chunk: Uint8Array
    let index: number
    let offset: number
    if (size > OWN_BUFFER_FROM) {
      chunk = new Uint8Array(size)
      index = this.#chunks.push(chunk) - 1
      offset = 0
    } else {
      if (this.#used + size > this.#chunk.length) {
        this.#chunk = new Uint8Array(CHUNK_SIZE)
        this.#chunkIndex = this.#chunks.push(this.#chunk) - 1
        this.#used = 0
      }
      chunk = this.#chunk
      index = this.#chunkIndex
      offset = this.#used
      this.#used += size
    }
    writeLength(chunk, offset, data.length)
    chunk.set(multihash, offset + 4)
    chunk.set(data, offset + 4 + multihash.length)
    const table = this.#table
    // `#find` answers a miss with the free entry the probe ended at, as -(position + 1).
    const entry = -at - 1
    table[entry] = key
    table[entry + 1] = index + 1
    table[entry + 2] = offset
    table[entry + 3] = multihash.length
    this.#count++
    return true
  }

  /** Position of the entry of multihash `source[from..]`; on a miss, -(position of the free entry) - 1. */
  #find(source: Uint8Array, from: number, key: number): number {
    const table = this.#table
    const mask = this.#mask
    const length = source.length - from
    for (let slot = key & mask; ; slot = (slot + 1) & mask) {
      const at = slot * STRIDE
      const chunk = table[at + 1] as number
      if (chunk === 0) return -at - 1
      if (table[at] !== key || table[at + 3] !== length) continue
      const bytes = this.#chunks[chunk - 1] as Uint8Array
      const start = (table[at + 2] as number) + 4 - from
      let same = true
      for (let i = from; same && i < source.length; i++) same = bytes[start + i] === source[i]
      if (same) return at
    }
  }

  #grow(): void {
    const old = this.#table
    const capacity = (this.#mask + 1) * 2
    const table = new Int32Array(capacity * STRIDE)
    const mask = capacity - 1
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + 1] === 0) continue
      let slot = (old[at] as number) & mask
      while (table[slot * STRIDE + 1] !== 0) slot = (slot + 1) & mask
      for (let i = 0; i < STRIDE; i++) table[slot * STRIDE + i] = old[at + i] as number
    }
    this.#table = table
    this.#mask = mask
  }
}

/** A 32-bit number from the last four bytes (a signed one, which V8 keeps unboxed). */
function keyOf(bytes: Uint8Array): number {
  const n = bytes.length
  return (bytes[n - 1] ?? 0) | ((bytes[n - 2] ?? 0) << 8) | ((bytes[n - 3] ?? 0) << 16) | ((bytes[n - 4] ?? 0) << 24)
}

function writeLength(chunk: Uint8Array, offset: number, length: number): void {
  chunk[offset] = length >>> 24
  chunk[offset + 1] = (length >>> 16) & 0xff
  chunk[offset + 2] = (length >>> 8) & 0xff
  chunk[offset + 3] = length & 0xff
}

function readLength(chunk: Uint8Array, offset: number): number {
  return (
    (((chunk[offset] as number) << 24) |
      ((chunk[offset + 1] as number) << 16) |
      ((chunk[offset + 2] as number) << 8) |
      (chunk[offset + 3] as number)) >>>
    0
  )
}
