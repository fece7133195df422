/**
 * A value could not be decrypted: wrong key or header, or bytes altered since they were written
 * (XChaCha20-Poly1305 authenticates every value, so nothing unverified is ever returned).
 */
export class DecryptionError extends Error {
  /** Machine-readable code. */
  readonly code = 'ERR_DECRYPTION'
  /** The Zarr key (as stored, without the leading `/`) whose value failed, when known. */
  readonly key: string | undefined

  constructor(key: string | undefined, reason: string, options?: ErrorOptions) {
    super(
      `Cannot decrypt ${key === undefined ? 'the value' : `the value of ${JSON.stringify(key)}`}: ${reason}`,
      options,
    )
    this.name = 'DecryptionError'
    this.key = key
  }
}
