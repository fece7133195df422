import type { CID } from 'multiformats/cid'

/** Machine-readable codes of the errors `@hamt/car` throws. */
export type CarErrorCode =
  | 'ERR_CAR_FORMAT'
  | 'ERR_CAR_TRUNCATED'
  | 'ERR_CAR_INCOMPLETE'
  | 'ERR_BLOCK_MISMATCH'
  | 'ERR_UNSUPPORTED_BLOCK'
  | 'ERR_BLOCK_DECODE'
  | 'ERR_STORE_MISMATCH'

/** Base class of every error of this package; `code` tells them apart. */
export class CarError extends Error {
  /** Machine-readable code. */
  readonly code: CarErrorCode

  constructor(code: CarErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** The bytes are not a CAR (bad header, bad section), so nothing after the fault can be trusted. */
export class CarFormatError extends CarError {
  constructor(reason: string, options?: ErrorOptions) {
    super('ERR_CAR_FORMAT', `Not a valid CAR: ${reason}`, options)
  }
}

/** The CAR stops in the middle of its header or of a block: it was cut short. */
export class CarTruncatedError extends CarError {
  /** Blocks read whole (and saved) before the cut. */
  readonly blocksRead: number

  constructor(blocksRead: number, options?: ErrorOptions) {
    super(
      'ERR_CAR_TRUNCATED',
      `The CAR is cut short: it ends in the middle of a section after ${blocksRead} whole block${blocksRead === 1 ? '' : 's'}`,
      options,
    )
    this.blocksRead = blocksRead
  }
}

/**
 * The CAR ended on a block boundary, but blocks reachable from its roots are neither in it nor in the
 * store: it was cut short there, or exported partially.
 */
export class CarIncompleteError extends CarError {
  /** The missing blocks (the first 20). */
  readonly missing: readonly CID[]
  /** How many are missing in all. */
  readonly missingCount: number

  constructor(missing: readonly CID[], missingCount: number) {
    super(
      'ERR_CAR_INCOMPLETE',
      `The CAR is incomplete: ${missingCount} block${missingCount === 1 ? '' : 's'} reachable from its roots ` +
        `${missingCount === 1 ? 'is' : 'are'} neither in it nor in the store (${missing
          .slice(0, 3)
          .map((cid) => cid.toString())
          .join(', ')}${missingCount > 3 ? ', …' : ''})`,
    )
    this.missing = missing
    this.missingCount = missingCount
  }
}

/** A block's bytes do not hash to its CID: the data was altered (or the CID is wrong). */
export class BlockMismatchError extends CarError {
  /** The CID the block came with. */
  readonly cid: CID
  /** Hex digest the bytes actually have. */
  readonly actualDigest: string

  constructor(cid: CID, actualDigest: string, where: string) {
    super(
      'ERR_BLOCK_MISMATCH',
      `Block ${cid.toString()} ${where} does not match its CID: its bytes hash to ${actualDigest}`,
    )
    this.cid = cid
    this.actualDigest = actualDigest
  }
}

/** A block hashed or encoded in a way this package cannot check or follow. */
export class UnsupportedBlockError extends CarError {
  /** The block's CID. */
  readonly cid: CID

  constructor(cid: CID, reason: string) {
    super('ERR_UNSUPPORTED_BLOCK', `Block ${cid.toString()} is not supported: ${reason}`)
    this.cid = cid
  }
}

/** A dag-cbor or dag-pb block that does not decode, so its links cannot be followed. */
export class BlockDecodeError extends CarError {
  /** The block's CID. */
  readonly cid: CID

  constructor(cid: CID, options?: ErrorOptions) {
    super('ERR_BLOCK_DECODE', `Block ${cid.toString()} does not decode as its codec says`, options)
    this.cid = cid
  }
}

/**
 * The store gave a verified block another CID than the CAR's: it hashes its own way and cannot hold
 * the block under that CID. Give {@link importCar} a store with `putBlock`.
 */
export class StoreMismatchError extends CarError {
  /** The CID in the CAR. */
  readonly cid: CID
  /** The CID the store returned. */
  readonly stored: CID

  constructor(cid: CID, stored: CID) {
    super(
      'ERR_STORE_MISMATCH',
      `The store saved block ${cid.toString()} as ${stored.toString()}: it cannot hold this block under its ` +
        'CID (give importCar a store with putBlock)',
    )
    this.cid = cid
    this.stored = stored
  }
}
