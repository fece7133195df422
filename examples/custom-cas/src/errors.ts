import type { CID } from '@hamt/core'

/**
 * A block file's bytes do not hash to its CID: the file was altered or damaged on disk. Nothing is
 * returned from such a block, so corruption never reaches a HAMT or a Zarr reader.
 */
export class BlockCorruptedError extends Error {
  readonly code = 'ERR_BLOCK_CORRUPTED'
  /** The CID that was asked for. */
  readonly cid: CID
  /** The file holding the damaged bytes. */
  readonly path: string

  constructor(cid: CID, path: string) {
    super(`Block ${cid.toString()} is corrupted: the bytes in ${path} do not hash to its CID`)
    this.name = 'BlockCorruptedError'
    this.cid = cid
    this.path = path
  }
}

/** A CID names a hash function this store cannot verify with (it supports blake3 and sha2-256). */
export class UnsupportedHashError extends Error {
  readonly code = 'ERR_UNSUPPORTED_HASH'
  /** The multihash code of the CID. */
  readonly hashCode: number

  constructor(cid: CID) {
    const code = cid.multihash.code
    super(
      `Cannot verify block ${cid.toString()}: multihash code 0x${code.toString(16)} is not blake3 (0x1e) or sha2-256 (0x12)`,
    )
    this.name = 'UnsupportedHashError'
    this.hashCode = code
  }
}

/**
 * Something other than a regular file (a directory, say) stands where a block's file should be, so
 * the block can be neither read nor written there.
 */
export class BlockPathError extends Error {
  readonly code = 'ERR_BLOCK_PATH'
  /** The CID whose file is blocked. */
  readonly cid: CID
  /** The path that is not a regular file. */
  readonly path: string

  constructor(cid: CID, path: string) {
    super(`Block ${cid.toString()} cannot be stored or read: ${path} is not a regular file`)
    this.name = 'BlockPathError'
    this.cid = cid
    this.path = path
  }
}
