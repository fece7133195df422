import { libraryDigest } from '#blake3'
import { fitsOneBlock, oneBlockDigest, oneBlockTextDigest } from './one-block.js'

// BLAKE3 for the HAMT: input of one block (every usual key) is hashed by one-block.ts, the rest by
// the platform's library (`#blake3`: blake3-wasm in Node, @noble/hashes in browsers).

export { blake3Implementation } from '#blake3'

const utf8 = new TextEncoder()

/**
 * The 32-byte BLAKE3 digest of `data`, as a view that the next hash may overwrite: for reading the
 * digest before anything else can hash.
 */
export function blake3View(data: Uint8Array): Uint8Array {
  return fitsOneBlock(data.length) ? oneBlockDigest(data, 0, data.length) : libraryDigest(data)
}

/** The 32-byte BLAKE3 digest of `data`. */
export function blake3(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return blake3View(data).slice()
}

/** Writes the 32-byte BLAKE3 digest of `data` into `out`. */
export function blake3Into(data: Uint8Array, out: Uint8Array): void {
  out.set(blake3View(data))
}

/** {@link blake3Text} as a view that the next hash may overwrite (see {@link blake3View}). */
export function blake3TextView(text: string): Uint8Array {
  return oneBlockTextDigest(text) ?? blake3View(utf8.encode(text))
}

/** The 32-byte BLAKE3 digest of the UTF-8 bytes of `text`. */
export function blake3Text(text: string): Uint8Array<ArrayBuffer> {
  return blake3TextView(text).slice()
}
