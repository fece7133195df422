import { createRequire } from 'node:module'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'

type WasmHash = (data: Uint8Array, out: Uint8Array) => void

// The wasm-bindgen module directly: blake3-wasm's wrapper allocates a Buffer and normalises input on
// every call, which costs more than hashing a short key. The module reads its .wasm file next to
// itself at run time, which a bundled script (esbuild, webpack, ncc) run elsewhere does not have:
// then the pure-JavaScript hash takes over, with the same digests, instead of failing to start.
function loadWasm(): WasmHash | undefined {
  try {
    const glue = createRequire(import.meta.url)('blake3-wasm/dist/wasm/nodejs/blake3_js.js') as { hash: WasmHash }
    const probe = new Uint8Array(32)
    glue.hash(new Uint8Array(0), probe)
    return glue.hash
  } catch {
    return undefined
  }
}

const wasmHash = loadWasm()

/** Which implementation hashes here: `'wasm'` (blake3-wasm) or `'js'` (@noble/hashes, the fallback). */
export const blake3Implementation: 'wasm' | 'js' = wasmHash === undefined ? 'js' : 'wasm'

/** 32-byte BLAKE3 digest (WebAssembly, synchronous in Node; JavaScript where the wasm cannot load). */
export function blake3(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (wasmHash === undefined) return nobleBlake3(data) as Uint8Array<ArrayBuffer>
  const out = new Uint8Array(32)
  wasmHash(data, out)
  return out
}

/** Writes the 32-byte BLAKE3 digest of `data` into `out`. */
export function blake3Into(data: Uint8Array, out: Uint8Array): void {
  if (wasmHash === undefined) out.set(nobleBlake3(data))
  else wasmHash(data, out)
}
