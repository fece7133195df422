import { equals } from 'multiformats/bytes'

/** Deterministic pseudo-random bytes (xorshift32), so failures can be replayed. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Byte equality without a deep-equality walk (which takes seconds on megabytes). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return equals(actual, expected)
}
