import { equals } from 'multiformats/bytes'

export { randomBytes } from '../../../tools/test-support/random-bytes.js'

/** Byte equality without a deep-equality walk (which takes seconds on megabytes). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return equals(actual, expected)
}
