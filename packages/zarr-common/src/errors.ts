/**
 * A `zarr.json` value is not JSON: most often the dataset was written encrypted (open it with
 * the encrypted store of `@hamt/zarr-encrypted`) or the key holds something else.
 */
export class ZarrMetadataError extends Error {
  /** Machine-readable code. */
  readonly code = 'ERR_ZARR_METADATA'
  /** The Zarr key (as stored, without the leading `/`) whose value is not metadata. */
  readonly key: string

  constructor(key: string, reason: string) {
    super(`The value of ${JSON.stringify(key)} is not Zarr metadata: ${reason}`)
    this.name = 'ZarrMetadataError'
    this.key = key
  }
}
