import { createRequire } from 'node:module'

// The wasm-bindgen module directly: blake3-wasm's wrapper allocates a Buffer and normalises input
// on every call, which costs more than hashing a short key.
const wasm = createRequire(import.meta.url)('blake3-wasm/dist/wasm/nodejs/blake3_js.js') as {
  hash(data: Uint8Array, out: Uint8Array): void
}

/** 32-byte BLAKE3 digest (WebAssembly, synchronous in Node). */
export function blake3(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32)
  wasm.hash(data, out)
  return out
}

/** Writes the 32-byte BLAKE3 digest of `data` into `out`. */
export function blake3Into(data: Uint8Array, out: Uint8Array): void {
  wasm.hash(data, out)
}
