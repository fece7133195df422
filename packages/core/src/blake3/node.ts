import { createRequire } from 'node:module'
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'

/** The raw exports of blake3-wasm's WebAssembly module that hashing needs. */
interface WasmExports {
  readonly memory: WebAssembly.Memory
  __wbindgen_malloc(size: number): number
  /** Hashes `dataLength` bytes at `data` (and frees them) into `outLength` bytes at `out`. */
  hash(data: number, dataLength: number, out: number, outLength: number): void
}

/**
 * BLAKE3 through blake3-wasm's WebAssembly exports, called directly. Its wasm-bindgen wrapper makes
 * five wasm calls and three copies per hash (input and output both allocated, copied in and out,
 * the output freed), which was a third of a warm `get`. Here the output has a fixed place in wasm
 * memory, allocated once, and each hash is two calls: allocate the input (the module frees it, as it
 * does for its wrapper) and hash.
 */
class WasmBlake3 {
  readonly #wasm: WasmExports
  /** Where digests are written, allocated once and never freed. */
  readonly #out: number
  /** A view of all wasm memory; replaced when the memory grows (which detaches the old one). */
  #memory: Uint8Array
  /** The 32 bytes at `#out`. */
  #digest: Uint8Array

  constructor(wasm: WasmExports) {
    this.#wasm = wasm
    this.#out = wasm.__wbindgen_malloc(32)
    this.#memory = new Uint8Array(wasm.memory.buffer)
    this.#digest = this.#memory.subarray(this.#out, this.#out + 32)
  }

  /** Hashes `data` into the digest place; returns its view (valid until the next hash). */
  hashBytes(data: Uint8Array): Uint8Array {
    const at = this.#alloc(data.length)
    this.#memory.set(data, at)
    return this.#hash(at, data.length)
  }

  #alloc(length: number): number {
    const at = this.#wasm.__wbindgen_malloc(length)
    if (this.#memory.byteLength === 0) this.#remap()
    return at
  }

  #hash(at: number, length: number): Uint8Array {
    this.#wasm.hash(at, length, this.#out, 32)
    if (this.#memory.byteLength === 0) this.#remap()
    return this.#digest
  }

  #remap(): void {
    this.#memory = new Uint8Array(this.#wasm.memory.buffer)
    this.#digest = this.#memory.subarray(this.#out, this.#out + 32)
  }
}

// The module reads its .wasm file next to itself at run time, which a bundled script (esbuild,
// webpack, ncc) run elsewhere does not have: then the pure-JavaScript hash takes over, with the same
// digests, instead of failing to start.
function loadWasm(): WasmBlake3 | undefined {
  try {
    const glue = createRequire(import.meta.url)('blake3-wasm/dist/wasm/nodejs/blake3_js.js') as {
      __wasm?: Partial<WasmExports>
    }
    const wasm = glue.__wasm
    if (
      !(wasm?.memory instanceof WebAssembly.Memory) ||
      typeof wasm.hash !== 'function' ||
      typeof wasm.__wbindgen_malloc !== 'function'
    ) {
      return undefined
    }
    const blake3 = new WasmBlake3(wasm as WasmExports)
    // The digest of no bytes, as the BLAKE3 specification gives it: proves the calls are wired right.
    const probe = blake3.hashBytes(new Uint8Array(0))
    return probe[0] === 0xaf && probe[1] === 0x13 && probe[31] === 0x62 ? blake3 : undefined
  } catch {
    return undefined
  }
}

const wasm = loadWasm()

/**
 * Which library hashes input over 64 bytes here: `'wasm'` (blake3-wasm) or `'js'` (@noble/hashes,
 * where the WebAssembly cannot load). Shorter input is hashed in one block by one-block.ts.
 */
export const blake3Implementation: 'wasm' | 'js' = wasm === undefined ? 'js' : 'wasm'

/** The 32-byte BLAKE3 digest of `data` from the library: a view that the next hash may overwrite. */
export function libraryDigest(data: Uint8Array): Uint8Array {
  return wasm === undefined ? nobleBlake3(data) : wasm.hashBytes(data)
}
