// BLAKE3 of at most 64 bytes is a single compression: one block, which is the whole first chunk and
// the root. HAMT keys are that short, and every get, set and node check hashes them; through the
// libraries' general paths that costs 450 ns (blake3-wasm: a call into WebAssembly and its allocator)
// or 6 µs (@noble/hashes, what browsers use), and here about 250 ns. Longer inputs go to the libraries.
// The digests are checked against both libraries for every length up to 64 (test/blake3.test.ts).

/** The longest input hashed here: one BLAKE3 block. */
export const ONE_BLOCK = 64

const CHUNK_START = 1
const CHUNK_END = 2
const ROOT = 8

// Words are read from and written to these bytes through 32-bit views, which are little-endian on
// the hosts this runs on (x86, ARM); anywhere else the fast path turns itself off.
const block = new Uint8Array(ONE_BLOCK)
const blockWords = new Int32Array(block.buffer)
const digest = new Uint8Array(32)
const digestWords = new Int32Array(digest.buffer)
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** Whether {@link oneBlockDigest} can hash `length` bytes here. */
export function fitsOneBlock(length: number): boolean {
  return length <= ONE_BLOCK && littleEndian
}

/**
 * The 32-byte BLAKE3 digest of `bytes[start..end)`, at most {@link ONE_BLOCK} bytes (see
 * {@link fitsOneBlock}): a view that the next call overwrites.
 */
export function oneBlockDigest(bytes: Uint8Array, start: number, end: number): Uint8Array {
  block.fill(0)
  for (let i = start; i < end; i++) block[i - start] = bytes[i] as number
  return compress(end - start)
}

/**
 * The BLAKE3 digest of `text`'s UTF-8 bytes when it is ASCII and fits one block (a view that the next
 * call overwrites); otherwise `undefined`, for the caller to hash it another way.
 */
export function oneBlockTextDigest(text: string): Uint8Array | undefined {
  const length = text.length
  if (!fitsOneBlock(length)) return undefined
  block.fill(0)
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7f) return undefined
    block[i] = code
  }
  return compress(length)
}

/**
 * The BLAKE3 compression of the block in `block` (`length` bytes of it used, the rest zero) as the
 * only block of the root chunk, into `digest`. The sixteen state and message words are locals, which
 * V8 keeps in registers; the message is permuted between rounds instead of indexed through a schedule.
 */
function compress(length: number): Uint8Array {
  const w = blockWords
  let m0 = w[0] as number
  let m1 = w[1] as number
  let m2 = w[2] as number
  let m3 = w[3] as number
  let m4 = w[4] as number
  let m5 = w[5] as number
  let m6 = w[6] as number
  let m7 = w[7] as number
  let m8 = w[8] as number
  let m9 = w[9] as number
  let m10 = w[10] as number
  let m11 = w[11] as number
  let m12 = w[12] as number
  let m13 = w[13] as number
  let m14 = w[14] as number
  let m15 = w[15] as number
  // The chaining value and the first four words of the IV (SHA-256's), counter 0, length, flags.
  let v0 = 0x6a09e667 | 0
  let v1 = 0xbb67ae85 | 0
  let v2 = 0x3c6ef372 | 0
  let v3 = 0xa54ff53a | 0
  let v4 = 0x510e527f | 0
  let v5 = 0x9b05688c | 0
  let v6 = 0x1f83d9ab | 0
  let v7 = 0x5be0cd19 | 0
  let v8 = 0x6a09e667 | 0
  let v9 = 0xbb67ae85 | 0
  let v10 = 0x3c6ef372 | 0
  let v11 = 0xa54ff53a | 0
  let v12 = 0
  let v13 = 0
  let v14 = length
  let v15 = CHUNK_START | CHUNK_END | ROOT
  // The mixing function G on the columns, then on the diagonals, one half of G a line; between rounds
  // the message words are permuted as BLAKE3 specifies (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8).
  // biome-ignore format: one half of G a line reads as the specification does
  for (let round = 0; ; round++) {
    v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16); v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20)
    v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24); v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25)
    v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16); v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20)
    v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24); v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25)
    v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16); v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20)
    v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24); v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25)
    v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16); v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20)
    v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24); v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25)
    v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16); v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20)
    v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24); v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25)
    v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16); v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20)
    v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24); v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25)
    v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16); v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20)
    v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24); v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25)
    v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16); v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20)
    v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24); v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25)
    if (round === 6) break
    const p0 = m2, p1 = m6, p2 = m3, p3 = m10, p4 = m7, p5 = m0, p6 = m4, p7 = m13
    const p8 = m1, p9 = m11, p10 = m12, p11 = m5, p12 = m9, p13 = m14, p14 = m15, p15 = m8
    m0 = p0; m1 = p1; m2 = p2; m3 = p3; m4 = p4; m5 = p5; m6 = p6; m7 = p7
    m8 = p8; m9 = p9; m10 = p10; m11 = p11; m12 = p12; m13 = p13; m14 = p14; m15 = p15
  }
  // The root output: the first half of the state mixed with the second.
  const out = digestWords
  out[0] = v0 ^ v8
  out[1] = v1 ^ v9
  out[2] = v2 ^ v10
  out[3] = v3 ^ v11
  out[4] = v4 ^ v12
  out[5] = v5 ^ v13
  out[6] = v6 ^ v14
  out[7] = v7 ^ v15
  return digest
}
