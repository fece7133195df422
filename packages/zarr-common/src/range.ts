import { type ByteRange, InvalidRangeError } from '@hamt/core'
import type { RangeQuery } from 'zarrita'

/** zarrita's range as the core's {@link ByteRange}, rejecting shapes neither understands. */
export function toByteRange(range: RangeQuery): ByteRange {
  if (range !== null && typeof range === 'object') {
    if ('suffixLength' in range) return { suffix: range.suffixLength }
    if ('offset' in range) return { offset: range.offset, length: range.length }
  }
  throw new InvalidRangeError('a range must be { offset, length } or { suffixLength }')
}
