import { InvalidOptionError } from '@hamt/core'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { DecryptionError } from './errors.js'

/** Bytes of the random nonce that starts every encrypted value. */
export const NONCE_LENGTH = 24
/** Bytes of the Poly1305 tag that follows the nonce. */
export const TAG_LENGTH = 16
const KEY_LENGTH = 32
const utf8 = new TextEncoder()

/** A header given as text is its UTF-8 bytes (py-hamt passes bytes; dClimate's codec a string). */
export function headerBytes(header: Uint8Array | string): Uint8Array {
  if (typeof header === 'string') return utf8.encode(header)
  if (header instanceof Uint8Array) return header
  throw new InvalidOptionError('header must be a Uint8Array or a string')
}

/** @throws {InvalidOptionError} unless `key` is 32 bytes. */
export function checkKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key
    throw new InvalidOptionError(`the encryption key must be ${KEY_LENGTH} bytes (a Uint8Array), got ${got}`)
  }
}

/**
 * XChaCha20-Poly1305 with `header` as associated data, laid out as py-hamt lays it out:
 * nonce(24) ‖ tag(16) ‖ ciphertext. `nonce` is fresh and random unless given (for test vectors).
 */
export function encrypt(
  key: Uint8Array,
  header: Uint8Array,
  plaintext: Uint8Array,
  nonce: Uint8Array = randomBytes(NONCE_LENGTH),
): Uint8Array {
  // noble returns ciphertext ‖ tag.
  const sealed = xchacha20poly1305(key, nonce, header).encrypt(plaintext)
  const out = new Uint8Array(NONCE_LENGTH + sealed.length)
  out.set(nonce, 0)
  out.set(sealed.subarray(plaintext.length), NONCE_LENGTH)
  out.set(sealed.subarray(0, plaintext.length), NONCE_LENGTH + TAG_LENGTH)
  return out
}

/**
 * The plaintext of a value {@link encrypt} (or py-hamt) wrote.
 *
 * @throws {DecryptionError} naming `zarrKey` when the value is too short or does not authenticate.
 */
export function decrypt(key: Uint8Array, header: Uint8Array, stored: Uint8Array, zarrKey?: string): Uint8Array {
  if (stored.length < NONCE_LENGTH + TAG_LENGTH) {
    throw new DecryptionError(zarrKey, `${stored.length} bytes is shorter than a nonce and a tag (40 bytes)`)
  }
  const length = stored.length - NONCE_LENGTH - TAG_LENGTH
  const sealed = new Uint8Array(length + TAG_LENGTH)
  sealed.set(stored.subarray(NONCE_LENGTH + TAG_LENGTH), 0)
  sealed.set(stored.subarray(NONCE_LENGTH, NONCE_LENGTH + TAG_LENGTH), length)
  try {
    return xchacha20poly1305(key, stored.subarray(0, NONCE_LENGTH), header).decrypt(sealed)
  } catch (cause) {
    throw new DecryptionError(zarrKey, 'authentication failed (wrong key or header, or altered bytes)', { cause })
  }
}
