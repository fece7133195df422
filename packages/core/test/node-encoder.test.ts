import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { findEntry, nonAsciiBytes } from '../src/bucket-bytes.js'
import { dropEntry, putEntry, writeBucket } from '../src/bucket-writer.js'
import { blake3Cid } from '../src/index.js'
import { decodeNode, EMPTY_NODE_BYTES, EncodedBucket, HamtNode } from '../src/node.js'
import { encodeNode } from '../src/node-encoder.js'
import { encodeSlots, type TestSlot } from './encode-slots.js'
import { seeded } from './seeded.js'

// A write-mode node holds its buckets as DAG-CBOR bytes in an arena (bucket-writer.ts) and its block
// is those bytes copied (node-encoder.ts). Every check here is against @ipld/dag-cbor's encoding of
// the same slots (encode-slots.ts), the reference py-hamt's blocks are also canonical in.

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
const slot: fc.Arbitrary<TestSlot> = fc.oneof(
  fc.constant(undefined),
  cid,
  fc.array(fc.tuple(key, cid), { minLength: 1, maxLength: 30 }).map((entries) => new Map(entries)),
)

/** A write-mode node with these slots: buckets written by the bucket writer, links as CIDs. */
function nodeOf(slots: readonly TestSlot[]): HamtNode {
  const node = new HamtNode()
  slots.forEach((slot, index) => {
    if (slot instanceof Map)
      writeBucket(
        node,
        index,
        [...slot].map(([k, c]) => ({ key: k, cid: c.bytes })),
      )
    else node.slots[index] = slot
  })
  return node
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

/** Points `key` at `cid` in slot `index`, telling the writer where the key's entry is, as an insert does. */
function put(node: HamtNode, index: number, key: string, cid: Uint8Array): void {
  const slot = node.slots[index]
  const link = typeof slot === 'number' ? findEntry(node.data, slot, key, nonAsciiBytes(key)) : -1
  putEntry(node, index, key, cid, link)
}

/** The slots of a write-mode node as a test writes them. */
function slotsOf(node: HamtNode): TestSlot[] {
  return node.slots.map((slot) => {
    if (typeof slot === 'number') return new Map(new EncodedBucket(node.data, slot))
    if (slot instanceof HamtNode) throw new Error('no loaded children here')
    return slot
  })
}

describe('the node encoder', () => {
  it('writes exactly the bytes @ipld/dag-cbor writes', () => {
    fc.assert(
      fc.property(fc.array(slot, { minLength: 256, maxLength: 256 }), (slots) => {
        expect(same(encodeNode(nodeOf(slots)), encodeSlots(slots))).toBe(true)
      }),
      seeded('encoder matches @ipld/dag-cbor', { numRuns: 200 }),
    )
  })

  it('keeps buckets canonical through any run of puts and removals (the arena compacted on the way)', () => {
    const pool = fc.constantFrom(
      ...Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? `é${i}` : `k${'x'.repeat(i % 5)}${i}`)),
    )
    const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 2 }), pool, cid)
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const node = new HamtNode()
        const model: Map<string, CID>[] = [new Map(), new Map(), new Map()]
        for (const [adding, index, k, c] of ops) {
          const bucket = model[index] as Map<string, CID>
          if (adding) {
            put(node, index, k, c.bytes)
            bucket.set(k, c)
          } else if (typeof node.slots[index] === 'number') {
            expect(dropEntry(node, index, k)).toBe(bucket.delete(k))
          }
        }
        const slots: TestSlot[] = new Array(256).fill(undefined)
        model.forEach((bucket, index) => {
          if (bucket.size > 0) slots[index] = bucket
        })
        expect(same(encodeNode(node), encodeSlots(slots))).toBe(true)
      }),
      seeded('bucket writer matches a model', { numRuns: 200 }),
    )
  })

  it('decodes what it encodes, and writes on into a decoded node', () => {
    fc.assert(
      fc.property(fc.array(slot, { minLength: 256, maxLength: 256 }), key, cid, (slots, added, value) => {
        const bytes = encodeSlots(slots)
        const decoded = decodeNode(bytes, blake3Cid(bytes, 'dag-cbor'))
        const got = slotsOf(decoded)
        for (let i = 0; i < 256; i++) {
          const want = slots[i]
          if (want === undefined) expect(got[i]).toBeUndefined()
          else if (want instanceof Map) {
            const bucket = got[i] as Map<string, CID>
            expect(bucket.size).toBe(want.size)
            for (const [k, c] of want) expect(bucket.get(k)?.equals(c)).toBe(true)
          } else expect((got[i] as CID).equals(want)).toBe(true)
        }
        expect(same(encodeNode(decoded), bytes)).toBe(true)
        // A bucket slot gets one more entry; the block is then what dag-cbor makes of the same.
        const index = slots.findIndex((s) => s instanceof Map)
        if (index < 0) return
        put(decoded, index, added, value.bytes)
        ;(slots[index] as Map<string, CID>).set(added, value)
        expect(same(encodeNode(decoded), encodeSlots(slots))).toBe(true)
      }),
      seeded('node decoder round trip', { numRuns: 100 }),
    )
  })

  it('never writes over a bucket: a view taken earlier reads the same after many writes', () => {
    const node = new HamtNode()
    const value = blake3Cid(new Uint8Array([1]), 'raw')
    put(node, 7, 'a', value.bytes)
    put(node, 7, 'b', value.bytes)
    const before = new EncodedBucket(node.data, node.slots[7] as number)
    const keysBefore = [...before.keys()]
    for (let i = 0; i < 500; i++) put(node, i % 256, `key${i}`, value.bytes)
    expect(dropEntry(node, 7, 'a')).toBe(true)
    expect([...before.keys()]).toEqual(keysBefore)
    expect(findEntry(node.data, node.slots[7] as number, 'a', undefined)).toBe(-1)
  })

  it('handles long keys and large buckets (multi-byte headers)', () => {
    const big = new Map(
      Array.from({ length: 300 }, (_, i) => [`${'x'.repeat(i)}é`, blake3Cid(new Uint8Array([i & 0xff]), 'raw')]),
    )
    const huge = new Map([['y'.repeat(70_000), blake3Cid(new Uint8Array([1]), 'raw')]])
    const slots: TestSlot[] = new Array(256).fill(undefined)
    slots[3] = big
    slots[200] = huge
    expect(same(encodeNode(nodeOf(slots)), encodeSlots(slots))).toBe(true)
  })

  it('writes py-hamt’s empty node', () => {
    expect(same(encodeNode(new HamtNode()), EMPTY_NODE_BYTES)).toBe(true)
    expect(EMPTY_NODE_BYTES.length).toBe(259)
  })
})
