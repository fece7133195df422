export {
  type KeyProvider,
  registerXChaCha20Poly1305Codec,
  XCHACHA20POLY1305_CODEC,
  XChaCha20Poly1305Codec,
  type XChaCha20Poly1305Configuration,
  xchacha20poly1305Codec,
} from './codec.js'
export { SimpleEncryptedZarrHAMTStore, type SimpleEncryptedZarrHAMTStoreOptions } from './encrypted-store.js'
export { DecryptionError } from './errors.js'
export { type EncryptionOptions, encryptionTransform } from './transform.js'
export { decrypt, encrypt, NONCE_LENGTH, TAG_LENGTH } from './xchacha.js'
