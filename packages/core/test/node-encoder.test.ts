import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { blake3Cid } from '../src/index.js'
import { decodeNode, EMPTY_NODE_BYTES } from '../src/node.js'
import { type EncodableSlot, encodeNodeSlots } from '../src/node-encoder.js'
import { seeded } from './seeded.js'

/** The same node as @ipld/dag-cbor sees it: `{}`, `{key: CID}`, `[CID]`. */
function asIpld(slots: EncodableSlot[]): unknown[] {
  return slots.map((slot) => {
    if (slot === undefined) return {}
    if (slot instanceof Map) {
      const bucket: Record<string, CID> = Object.create(null)
      for (const [key, cid] of slot) bucket[key] = cid
      return bucket
    }
    return [slot]
  })
}

const cid = fc
  .tuple(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('raw' as const, 'dag-cbor' as const), fc.boolean())
  .map(([data, codec, v0]) => {
    const made = blake3Cid(data, codec)
    // A few CIDs of other shapes (sha2-256, CIDv0) as a py-hamt tree could also hold.
    return v0 ? CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n') : made
  })
const key = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ minLength: 20, maxLength: 300 }),
)
const slot: fc.Arbitrary<EncodableSlot> = fc.oneof(
  fc.constant(undefined),
  cid,
  fc.array(fc.tuple(key, cid), { minLength: 1, maxLength: 30 }).map((entries) => new Map(entries)),
)

describe('the node encoder', () => {
  it('writes exactly the bytes @ipld/dag-cbor writes', () => {
    fc.assert(
      fc.property(fc.array(slot, { minLength: 256, maxLength: 256 }), (slots) => {
        expect(Buffer.from(encodeNodeSlots(slots)).equals(Buffer.from(dagCbor.encode(asIpld(slots))))).toBe(true)
      }),
      seeded('encoder matches @ipld/dag-cbor', { numRuns: 300 }),
    )
  })

  it('decodes what it encodes: the same slots, the same CIDs, whatever their shape', () => {
    fc.assert(
      fc.property(fc.array(slot, { minLength: 256, maxLength: 256 }), (slots) => {
        const bytes = encodeNodeSlots(slots)
        const decoded = decodeNode(bytes, blake3Cid(bytes, 'dag-cbor'))
        for (let i = 0; i < 256; i++) {
          const want = slots[i]
          const got = decoded.slots[i]
          if (want === undefined) expect(got).toBeUndefined()
          else if (want instanceof Map) {
            expect(got).toBeInstanceOf(Map)
            const bucket = got as Map<string, CID>
            expect(bucket.size).toBe(want.size)
            for (const [key, cid] of want) expect(bucket.get(key)?.equals(cid)).toBe(true)
          } else expect((got as CID).equals(want)).toBe(true)
        }
      }),
      seeded('node decoder round trip', { numRuns: 150 }),
    )
  })

  it('handles long keys and large buckets (multi-byte headers)', () => {
    const big = new Map(
      Array.from({ length: 300 }, (_, i) => [`${'x'.repeat(i)}é`, blake3Cid(new Uint8Array([i & 0xff]), 'raw')]),
    )
    const huge = new Map([['y'.repeat(70_000), blake3Cid(new Uint8Array([1]), 'raw')]])
    const slots: EncodableSlot[] = new Array(256).fill(undefined)
    slots[3] = big
    slots[200] = huge
    expect(Buffer.from(encodeNodeSlots(slots)).equals(Buffer.from(dagCbor.encode(asIpld(slots))))).toBe(true)
  })

  it('writes py-hamt’s empty node', () => {
    expect(Buffer.from(encodeNodeSlots(new Array(256).fill(undefined))).equals(Buffer.from(EMPTY_NODE_BYTES))).toBe(
      true,
    )
    expect(EMPTY_NODE_BYTES.length).toBe(259)
  })
})
