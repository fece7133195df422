import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'

// Browsers cannot load blake3-wasm's WebAssembly synchronously, and the HAMT hashes keys on a
// synchronous path; @noble/hashes gives the same digests in plain JavaScript.

/** Which library hashes input over 64 bytes here: always `'js'` (@noble/hashes) in browsers. */
export const blake3Implementation: 'wasm' | 'js' = 'js'

/** The 32-byte BLAKE3 digest of `data` from the library (pure JavaScript). */
export function libraryDigest(data: Uint8Array): Uint8Array {
  return nobleBlake3(data)
}
