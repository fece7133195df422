import type { CID } from 'multiformats/cid'

/** Machine-readable codes of {@link ShardedZarrError}. */
export type ShardedZarrErrorCode =
  /** The root block is not a sharded store of a known manifest version (or not a valid one). */
  | 'ERR_SHARDED_ROOT'
  /** An array's shard list does not match its geometry, or a geometry is invalid. */
  | 'ERR_SHARDED_GEOMETRY'
  /** A shard is not a DAG-CBOR list of `chunks_per_shard` CIDs and nulls. */
  | 'ERR_SHARD_FORMAT'
  /** A chunk key lies outside its array's chunk grid. */
  | 'ERR_CHUNK_OUT_OF_GRID'

/**
 * A sharded store, shard or key is not what the format allows. `cid` names the offending block and
 * `key` the Zarr key, when there is one.
 */
export class ShardedZarrError extends Error {
  /** Machine-readable code. */
  readonly code: ShardedZarrErrorCode
  /** The block (root or shard) that was wrong, if any. */
  readonly cid: CID | undefined
  /** The Zarr key (as stored, without the leading `/`) that was wrong, if any. */
  readonly key: string | undefined

  constructor(
    code: ShardedZarrErrorCode,
    message: string,
    where: { cid?: CID | undefined; key?: string | undefined } = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'ShardedZarrError'
    this.code = code
    this.cid = where.cid
    this.key = where.key
  }
}
