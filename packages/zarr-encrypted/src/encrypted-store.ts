import type { HAMT } from '@hamt/core'
import { ZarrHAMTStore, type ZarrHAMTStoreOptions } from '@hamt/zarr'
import { checkKey, decrypt, encrypt, headerBytes } from './xchacha.js'

/** Options of {@link SimpleEncryptedZarrHAMTStore}. */
export interface SimpleEncryptedZarrHAMTStoreOptions extends Omit<ZarrHAMTStoreOptions, 'transform'> {
  /** The 32-byte XChaCha20-Poly1305 key. */
  encryptionKey: Uint8Array
  /** Associated data authenticated with every value (py-hamt's `header`); a string is taken as UTF-8. */
  header: Uint8Array | string
}

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
    checkKey(encryptionKey)
    const aad = headerBytes(header).slice()
    // Copied so a caller reusing its buffers cannot change the key under the store.
    const key = encryptionKey.slice()
    super(hamt, {
      ...rest,
      transform: {
        encode: (_zarrKey, value) => encrypt(key, aad, value),
        decode: (zarrKey, stored) => decrypt(key, aad, stored, zarrKey),
      },
    })
  }
}
