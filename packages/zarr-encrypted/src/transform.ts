import type { ValueTransform } from '@hamt/zarr-common'
import { checkKey, decrypt, encrypt, headerBytes } from './xchacha.js'

/** The key and header of py-hamt's whole-store encryption. */
export interface EncryptionOptions {
  /** The 32-byte XChaCha20-Poly1305 key. */
  encryptionKey: Uint8Array
  /** Associated data authenticated with every value (py-hamt's `header`); a string is taken as UTF-8. */
  header: Uint8Array | string
}

/**
 * py-hamt's whole-store encryption as a value transform, for any store of this project that takes
 * one (`ZarrHAMTStore`, `ShardedZarrStore`): every value, metadata included, is stored as
 * nonce(24) ‖ tag(16) ‖ XChaCha20-Poly1305 ciphertext under a fresh random nonce, the header as
 * associated data. Decoding fails with a {@link DecryptionError} naming the Zarr key.
 *
 * @example
 * ```ts
 * import { encryptionTransform } from '@hamt/zarr-encrypted'
 * const transform = encryptionTransform({ encryptionKey: new Uint8Array(32), header: 'fully-encrypted-zarr' })
 * ```
 *
 * @throws {InvalidOptionError} when the key is not 32 bytes or the header is neither bytes nor a string.
 */
export function encryptionTransform(options: EncryptionOptions): ValueTransform {
  const { encryptionKey, header } = options ?? ({} as EncryptionOptions)
  checkKey(encryptionKey)
  const aad = headerBytes(header).slice()
  // Copied so a caller reusing its buffers cannot change the key under the store.
  const key = encryptionKey.slice()
  return {
    encode: (_zarrKey, value) => encrypt(key, aad, value),
    decode: (zarrKey, stored) => decrypt(key, aad, stored, zarrKey),
  }
}
