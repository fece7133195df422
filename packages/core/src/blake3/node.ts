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

  /**
   * Hashes the UTF-8 bytes of `text` into the digest place; returns its view. Short ASCII text (the
   * usual key) is written straight into wasm memory, with no bytes made for it in JavaScript.
   */
  hashText(text: string): Uint8Array {
    const length = text.length
    if (length > 64 || !isAscii(text)) return this.hashBytes(utf8.encode(text))
    const at = this.#alloc(length)
    const memory = this.#memory
    for (let i = 0; i < length; i++) memory[at + i] = text.charCodeAt(i)
    return this.#hash(at, length)
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

const utf8 = new TextEncoder()

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false
  return true
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

/** Which implementation hashes here: `'wasm'` (blake3-wasm) or `'js'` (@noble/hashes, the fallback). */
export const blake3Implementation: 'wasm' | 'js' = wasm === undefined ? 'js' : 'wasm'

/** 32-byte BLAKE3 digest (WebAssembly, synchronous in Node; JavaScript where the wasm cannot load). */
export function blake3(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (wasm === undefined) return nobleBlake3(data) as Uint8Array<ArrayBuffer>
  return wasm.hashBytes(data).slice()
}

/** Writes the 32-byte BLAKE3 digest of `data` into `out`. */
export function blake3Into(data: Uint8Array, out: Uint8Array): void {
  if (wasm === undefined) out.set(nobleBlake3(data))
  else out.set(wasm.hashBytes(data))
}

/** 32-byte BLAKE3 digest of the UTF-8 bytes of `text`. */
export function blake3Text(text: string): Uint8Array<ArrayBuffer> {
  if (wasm === undefined) return nobleBlake3(utf8.encode(text)) as Uint8Array<ArrayBuffer>
  return wasm.hashText(text).slice()
}

/**
 * {@link blake3Text} without a copy: in Node, a view of the digest's place in wasm memory, which the
 * next hash overwrites. For reading the digest before anything else can hash.
 */
export function blake3TextView(text: string): Uint8Array {
  if (wasm === undefined) return nobleBlake3(utf8.encode(text))
  return wasm.hashText(text)
}
