import type { CID } from 'multiformats/cid'

/** Machine-readable error codes, one per error class. */
export type HamtErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_READ_ONLY'
  | 'ERR_INVALID_KEY'
  | 'ERR_INVALID_VALUE'
  | 'ERR_INVALID_NODE'
  | 'ERR_HASH_COLLISION'
  | 'ERR_BLOCK_NOT_FOUND'
  | 'ERR_INVALID_RANGE'
  | 'ERR_UNCOMMITTED'

/** Base class of every error thrown by `@hamt/*` packages; `code` tells them apart. */
export class HamtError extends Error {
  /** What went wrong, machine-readable: one code per error class (`ERR_INVALID_OPTION`, …). */
  readonly code: HamtErrorCode

  constructor(code: HamtErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An option passed to a constructor or factory is out of its allowed range. */
export class InvalidOptionError extends HamtError {
  constructor(message: string) {
    super('ERR_INVALID_OPTION', message)
  }
}

/** A write (`set`, `delete`) was attempted on a read-only HAMT or store. */
export class ReadOnlyError extends HamtError {
  constructor(operation: string) {
    super('ERR_READ_ONLY', `Cannot ${operation}: the HAMT is read-only (call enableWrite() first)`)
  }
}

/** A key is not a string. */
export class InvalidKeyError extends HamtError {
  constructor(key: unknown) {
    super('ERR_INVALID_KEY', `HAMT keys must be strings, got ${describe(key)}`)
  }
}

/** A value cannot be stored: not encodable as DAG-CBOR, or not bytes when `valuesAreBytes` is set. */
export class InvalidValueError extends HamtError {
  /** The key whose value was refused. */
  readonly key: string

  constructor(key: string, reason: string, options?: ErrorOptions) {
    super('ERR_INVALID_VALUE', `Cannot store the value for key ${JSON.stringify(key)}: ${reason}`, options)
    this.key = key
  }
}

/** A block that should hold a HAMT node does not. */
export class InvalidNodeError extends HamtError {
  /** The block at fault; `undefined` for a node not saved yet. */
  readonly cid: CID | undefined

  constructor(cid: CID | undefined, reason: string, options?: ErrorOptions) {
    super('ERR_INVALID_NODE', `Block ${cid?.toString() ?? '(unsaved)'} is not a valid HAMT node: ${reason}`, options)
    this.cid = cid
  }
}

/** More keys share every bit of their hash than one bucket can hold (only possible with a custom hash). */
export class HashCollisionError extends HamtError {
  constructor(keys: readonly string[], maxBucketSize: number) {
    super(
      'ERR_HASH_COLLISION',
      `${keys.length} keys share the same full hash, more than maxBucketSize (${maxBucketSize}) can hold: ` +
        keys
          .slice(0, 5)
          .map((k) => JSON.stringify(k))
          .join(', ') +
        (keys.length > 5 ? ', …' : ''),
    )
  }
}

/** A content-addressed store has no block for the CID. */
export class BlockNotFoundError extends HamtError {
  /** The CID the store has no block for. */
  readonly cid: CID

  constructor(cid: CID, where?: string, options?: ErrorOptions) {
    super('ERR_BLOCK_NOT_FOUND', `Block ${cid.toString()} not found${where ? ` in ${where}` : ''}`, options)
    this.cid = cid
  }
}

/** A byte range is malformed or starts past the end of the data. */
export class InvalidRangeError extends HamtError {
  constructor(message: string) {
    super('ERR_INVALID_RANGE', message)
  }
}

/** `rootNodeId` was read while writes are buffered in memory and not yet committed. */
export class UncommittedChangesError extends HamtError {
  constructor() {
    super(
      'ERR_UNCOMMITTED',
      'The HAMT has uncommitted writes: call makeReadOnly() (or cacheVacate()) before reading rootNodeId',
    )
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Uint8Array) return 'a Uint8Array'
  return typeof value
}
