import type { CID } from 'multiformats/cid'

/** Machine-readable codes of the errors this package adds to `@hamt/core`'s. */
export type UnixFsErrorCode = 'ERR_NOT_A_UNIXFS_FILE'

/**
 * A dag-pb CID was read as a value but does not name a UnixFS file (a directory, or blocks that do
 * not decode). The message names the CID and what was found; `cause` is the decoder's error.
 */
export class NotAUnixFsFileError extends Error {
  /** Always `'ERR_NOT_A_UNIXFS_FILE'`. */
  readonly code: UnixFsErrorCode = 'ERR_NOT_A_UNIXFS_FILE'
  /** The CID that was read. */
  readonly cid: CID

  constructor(cid: CID, reason: string, options?: ErrorOptions) {
    super(`${cid.toString()} is not a UnixFS file: ${reason}`, options)
    this.name = 'NotAUnixFsFileError'
    this.cid = cid
  }
}
