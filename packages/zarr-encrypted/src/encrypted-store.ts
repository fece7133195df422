import type { HAMT } from '@hamt/core'
import { ZarrHAMTStore, type ZarrHAMTStoreOptions } from '@hamt/zarr'
import { type EncryptionOptions, encryptionTransform } from './transform.js'

/** Options of {@link SimpleEncryptedZarrHAMTStore}. */
export interface SimpleEncryptedZarrHAMTStoreOptions
  extends Omit<ZarrHAMTStoreOptions, 'transform'>,
    EncryptionOptions {}

/**
 * py-hamt's `SimpleEncryptedZarrHAMTStore` for zarrita: every value, metadata included, is stored
 * encrypted with XChaCha20-Poly1305 under a fresh random 24-byte nonce, the header as associated
 * data, laid out as nonce(24) ‖ tag(16) ‖ ciphertext. Datasets written by either library open in
 * the other with the same key and header.
 *
 * Unlike py-hamt, range reads work (the value is decrypted, then sliced), so sharded arrays read
 * correctly; decrypted values are cached by block CID for them. Wrong keys, headers or altered bytes
 * fail with a {@link DecryptionError} naming the Zarr key.
 *
 * @example
 * ```ts
 * const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
 * const store = new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey, header: 'fully-encrypted-zarr' })
 * ```
 */
export class SimpleEncryptedZarrHAMTStore extends ZarrHAMTStore {
  /**
   * @throws {InvalidOptionError} when the key is not 32 bytes, the header is neither bytes nor a
   * string, or the HAMT does not have `valuesAreBytes` set.
   */
  constructor(hamt: HAMT<unknown>, options: SimpleEncryptedZarrHAMTStoreOptions) {
    const { encryptionKey, header, ...rest } = options ?? ({} as SimpleEncryptedZarrHAMTStoreOptions)
    super(hamt, { ...rest, transform: encryptionTransform({ encryptionKey, header }) })
  }
}
