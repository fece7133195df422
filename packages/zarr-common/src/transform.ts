/**
 * Rewrites values on their way into and out of a store (encryption does this). With a transform,
 * ranges are always served by decoding the whole value and slicing it.
 */
export interface ValueTransform {
  /** The bytes to store for `value` under `key` (the key as stored, without the leading `/`). */
  encode(key: string, value: Uint8Array): Uint8Array
  /** The value zarrita wrote, from the bytes stored under `key`; throws when they are not valid. */
  decode(key: string, stored: Uint8Array): Uint8Array
}
