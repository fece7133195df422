import type { CID } from 'multiformats/cid'
import { ShardedZarrError } from './errors.js'

/**
 * One array's shard index: its shape, chunk shape, and the CID of each shard (null: no chunk of
 * that shard was ever written). The chunk at row-major linear index L is entry L mod N of shard L div N.
 */
export class ArrayIndex {
  readonly chunkShape: readonly number[]
  readonly chunksPerShard: number
  #shape: readonly number[]
  #chunksPerDim: readonly number[] = []
  #totalChunks = 0
  /** Shard CIDs; replaced, never edited in place, so a snapshot stays valid. */
  shardCids: (CID | null)[]

  /** @throws {ShardedZarrError} `ERR_SHARDED_GEOMETRY` for a bad geometry or a shard list of the wrong length. */
  constructor(
    readonly path: string,
    shape: readonly number[],
    chunkShape: readonly number[],
    chunksPerShard: number,
    shardCids?: (CID | null)[],
  ) {
    if (!Number.isSafeInteger(chunksPerShard) || chunksPerShard <= 0) {
      throw geometryError(path, `chunks_per_shard must be a positive integer, got ${String(chunksPerShard)}`)
    }
    if (!isDims(chunkShape, 1))
      throw geometryError(path, `chunk_shape must be positive integers, got ${show(chunkShape)}`)
    this.chunkShape = [...chunkShape]
    this.chunksPerShard = chunksPerShard
    this.#shape = []
    this.#setShape(shape)
    const expected = this.numShards
    if (shardCids === undefined) this.shardCids = new Array<CID | null>(expected).fill(null)
    else if (shardCids.length !== expected) {
      throw geometryError(path, `the geometry needs ${expected} shards, the index lists ${shardCids.length}`)
    } else this.shardCids = shardCids
  }

  /** The array's shape. */
  get shape(): readonly number[] {
    return this.#shape
  }

  /** Chunks along each dimension. */
  get chunksPerDim(): readonly number[] {
    return this.#chunksPerDim
  }

  /** Chunks in the whole grid. */
  get totalChunks(): number {
    return this.#totalChunks
  }

  /** Shards the grid needs. */
  get numShards(): number {
    return Math.ceil(this.#totalChunks / this.chunksPerShard)
  }

  /** Row-major linear index of chunk `coords`, or `undefined` when it lies outside the grid. */
  linearIndex(coords: readonly number[]): number | undefined {
    if (coords.length !== this.#chunksPerDim.length) return undefined
    let linear = 0
    for (let i = 0; i < coords.length; i++) {
      const c = coords[i] as number
      const n = this.#chunksPerDim[i] as number
      if (!Number.isSafeInteger(c) || c < 0 || c >= n) return undefined
      linear = linear * n + c
    }
    return linear
  }

  /** Chunk coordinates of a linear index. */
  coords(linear: number): number[] {
    return coordsOf(linear, this.#chunksPerDim)
  }

  /**
   * Changes the shape. Returns whether every existing chunk keeps its linear index (only the first
   * dimension changed), in which case the shard list is just extended or cut.
   */
  resize(shape: readonly number[]): {
    keepsLinearIndices: boolean
    oldChunksPerDim: readonly number[]
    oldTotal: number
  } {
    if (shape.length !== this.#shape.length) {
      throw geometryError(this.path, `cannot change the rank from ${this.#shape.length} to ${shape.length}`)
    }
    const oldChunksPerDim = this.#chunksPerDim
    const oldTotal = this.#totalChunks
    this.#setShape(shape)
    const keepsLinearIndices = this.#chunksPerDim.every((n, i) => i === 0 || n === oldChunksPerDim[i])
    return { keepsLinearIndices, oldChunksPerDim, oldTotal }
  }

  #setShape(shape: readonly number[]): void {
    if (!isDims(shape, 0) || shape.length !== this.chunkShape.length) {
      throw geometryError(
        this.path,
        `array_shape ${show(shape)} must be non-negative integers of the rank of chunk_shape ${show(this.chunkShape)}`,
      )
    }
    this.#shape = [...shape]
    this.#chunksPerDim = shape.map((s, i) => Math.ceil(s / (this.chunkShape[i] as number)))
    this.#totalChunks = this.#chunksPerDim.reduce((a, b) => a * b, 1)
    if (!Number.isSafeInteger(this.#totalChunks)) throw geometryError(this.path, 'the chunk grid is too large')
  }
}

function isDims(value: unknown, min: number): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && (d as number) >= min)
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}

function geometryError(path: string, reason: string): ShardedZarrError {
  return new ShardedZarrError('ERR_SHARDED_GEOMETRY', `array ${JSON.stringify(path)}: ${reason}`)
}

/** Row-major coordinates of `linear` in a grid of `chunksPerDim`. */
export function coordsOf(linear: number, chunksPerDim: readonly number[]): number[] {
  const coords = new Array<number>(chunksPerDim.length)
  for (let i = chunksPerDim.length - 1; i >= 0; i--) {
    const n = chunksPerDim[i] as number
    coords[i] = linear % n
    linear = Math.floor(linear / n)
  }
  return coords
}
