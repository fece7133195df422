import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'

// Browsers cannot load blake3-wasm's WebAssembly synchronously, and the HAMT hashes keys on a
// synchronous path; @noble/hashes gives the same digests in plain JavaScript.

/** 32-byte BLAKE3 digest (pure JavaScript). */
export function blake3(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return nobleBlake3(data) as Uint8Array<ArrayBuffer>
}

/** Writes the 32-byte BLAKE3 digest of `data` into `out`. */
export function blake3Into(data: Uint8Array, out: Uint8Array): void {
  out.set(nobleBlake3(data))
}

/** Which implementation hashes here: always `'js'` (@noble/hashes) in browsers. */
export const blake3Implementation: 'wasm' | 'js' = 'js'

const utf8 = new TextEncoder()

/** 32-byte BLAKE3 digest of the UTF-8 bytes of `text`. */
export function blake3Text(text: string): Uint8Array<ArrayBuffer> {
  return nobleBlake3(utf8.encode(text)) as Uint8Array<ArrayBuffer>
}

/** {@link blake3Text}; the Node version returns a view that the next hash overwrites. */
export function blake3TextView(text: string): Uint8Array {
  return blake3Text(text)
}
