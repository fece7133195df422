import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { blake3Cid, InvalidNodeError } from '../src/index.js'
import { EMPTY_NODE_BYTES } from '../src/node.js'
import { parseNode } from '../src/node-parser.js'
import { encodeSlots } from './encode-slots.js'
import { seeded } from './seeded.js'

const utf8 = new TextEncoder()
const value = blake3Cid(utf8.encode('value'), 'raw')
const child = blake3Cid(utf8.encode('child'), 'dag-cbor')
const blame = blake3Cid(utf8.encode('the block at fault'), 'dag-cbor')

/** Tag 42 around 0x00 and the CID's bytes. */
const link = (cid: CID = value): number[] => [0xd8, 0x2a, 0x58, cid.bytes.length + 1, 0, ...cid.bytes]
const text = (key: string): number[] => [0x60 | key.length, ...utf8.encode(key)]

/** A node whose first slots are the given raw bytes and whose other slots are empty. */
function node(...firstSlots: number[][]): Uint8Array {
  return Uint8Array.from([0x99, 0x01, 0x00, ...firstSlots.flat(), ...new Array(256 - firstSlots.length).fill(0xa0)])
}

const refusal = (bytes: Uint8Array): string => {
  try {
    parseNode(bytes, blame)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidNodeError)
    expect((error as InvalidNodeError).cid).toBe(blame)
    return (error as Error).message
  }
  throw new Error('accepted')
}

/** The slots as @ipld/dag-cbor reads them when `bytes` is its canonical form of a py-hamt node, else `undefined`. */
function readByDagCbor(bytes: Uint8Array): unknown[] | undefined {
  let data: unknown
  try {
    data = dagCbor.decode(bytes)
  } catch {
    return undefined
  }
  if (!Array.isArray(data) || data.length !== 256) return undefined
  const shaped = data.every(
    (slot: unknown) =>
      (Array.isArray(slot) && slot.length === 1 && CID.asCID(slot[0]) !== null) ||
      (typeof slot === 'object' &&
        slot !== null &&
        !Array.isArray(slot) &&
        !(slot instanceof Uint8Array) &&
        CID.asCID(slot) === null &&
        Object.values(slot).every((v) => CID.asCID(v) !== null)),
  )
  if (!shaped || !Buffer.from(dagCbor.encode(data)).equals(Buffer.from(bytes))) return undefined
  return data
}

describe('the node parser', () => {
  it('accepts the empty node and finds each slot at its byte', () => {
    const starts = parseNode(EMPTY_NODE_BYTES, blame)
    expect([...starts]).toEqual(Array.from({ length: 256 }, (_, i) => 3 + i))
  })

  it('finds every slot of a node with buckets, links and a CIDv0', () => {
    const v0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')
    const slots = Array.from({ length: 256 }, (_, i) =>
      i % 3 === 0 ? new Map([[`k${i}`, i === 9 ? v0 : value]]) : i % 3 === 1 ? child : undefined,
    )
    const bytes = encodeSlots(slots)
    const starts = parseNode(bytes, blame)
    for (let i = 0; i < 256; i++)
      expect(bytes[starts[i] as number]).toBe(i % 3 === 0 ? 0xa1 : i % 3 === 1 ? 0x81 : 0xa0)
  })

  it('refuses every truncation of a valid node', () => {
    const bytes = node([0xa2, ...text('a'), ...link(), ...text('b'), ...link()], [0x81, ...link(child)])
    expect(() => parseNode(bytes, blame)).not.toThrow()
    for (let length = 0; length < bytes.length; length++) {
      expect(refusal(bytes.subarray(0, length)), `${length} bytes`).toMatch(/not DAG-CBOR|expected an array/)
    }
  })

  it('refuses bytes after the node', () => {
    expect(refusal(Uint8Array.from([...EMPTY_NODE_BYTES, 0xa0]))).toMatch(/bytes after the end/)
  })

  it('refuses something other than an array of 256 slots', () => {
    expect(refusal(Uint8Array.from([0xa0]))).toMatch(/expected an array of 256 slots/)
    expect(refusal(Uint8Array.from([0x98, 0xff, ...new Array(255).fill(0xa0)]))).toMatch(/expected an array/)
    expect(refusal(Uint8Array.from([0x9a, 0, 0, 1, 0, ...new Array(256).fill(0xa0)]))).toMatch(/canonical/)
    expect(refusal(Uint8Array.from([0x9f, 0xff]))).toMatch(/expected an array/)
  })

  it('refuses slots of the wrong type', () => {
    expect(refusal(node([0x01]))).toMatch(/slot 0 is neither a bucket nor a link/)
    expect(refusal(node([0xa0], [0x80]))).toMatch(/slot 1 is neither/)
    expect(refusal(node([0x82, ...link(child), ...link(child)]))).toMatch(/slot 0 is neither/)
    expect(refusal(node([0x81, 0x01]))).toMatch(/slot 0 is neither/)
    expect(refusal(node([0xa1, 0x41, 0x61, ...link()]))).toMatch(/not string → CID/)
    expect(refusal(node([0xa1, ...text('a'), 0x01]))).toMatch(/not string → CID/)
    expect(refusal(node([0xa1, ...text('a'), 0xd8, 0x2a, 0x63, 0, 1, 2]))).toMatch(/not string → CID/)
  })

  it('refuses heads that are not as short as they can be, and indefinite ones', () => {
    expect(refusal(node([0xb8, 0x01, ...text('a'), ...link()]))).toMatch(/canonical/)
    expect(refusal(node([0xb8, 0x00]))).toMatch(/canonical/)
    expect(refusal(node([0xa1, 0x78, 0x01, 0x61, ...link()]))).toMatch(/canonical/)
    const longHead = [0xd8, 0x2a, 0x59, 0, value.bytes.length + 1, 0, ...value.bytes]
    expect(refusal(node([0x81, ...longHead]))).toMatch(/canonical/)
    expect(refusal(node([0xbf, ...text('a'), ...link(), 0xff]))).toMatch(/indefinite/)
    expect(refusal(node([0xbb, 0, 0, 0, 0, 0, 0, 0, 1]))).toMatch(/64-bit/)
  })

  it('refuses bucket keys out of DAG-CBOR order, or twice', () => {
    expect(refusal(node([0xa2, ...text('b'), ...link(), ...text('a'), ...link()]))).toMatch(
      /slot 0 are not in DAG-CBOR order/,
    )
    expect(refusal(node([0xa2, ...text('aa'), ...link(), ...text('b'), ...link()]))).toMatch(/not in DAG-CBOR order/)
    expect(refusal(node([0xa2, ...text('a'), ...link(), ...text('a'), ...link()]))).toMatch(/not in DAG-CBOR order/)
    expect(() => parseNode(node([0xa2, ...text('b'), ...link(), ...text('aa'), ...link()]), blame)).not.toThrow()
  })

  it('refuses keys that are not UTF-8, and accepts those that are', () => {
    expect(refusal(node([0xa1, 0x62, 0xc3, 0x28, ...link()]))).toMatch(/slot 0 holds a key that is not valid UTF-8/)
    expect(refusal(node([0xa1, 0x63, 0xed, 0xa0, 0x80, ...link()]))).toMatch(/not valid UTF-8/) // a lone surrogate
    expect(() => parseNode(node([0xa1, 0x63, 0xef, 0xbf, 0xbd, ...link()]), blame)).not.toThrow() // U+FFFD itself
  })

  it('refuses CIDs without the leading 0x00, or that do not read back as the same bytes', () => {
    const bytes = [...value.bytes]
    expect(refusal(node([0x81, 0xd8, 0x2a, 0x58, bytes.length + 1, 1, ...bytes]))).toMatch(/leading 0x00/)
    expect(refusal(node([0x81, 0xd8, 0x2a, 0x40]))).toMatch(/leading 0x00/)
    const short = bytes.slice(0, -1) // a digest one byte short of its stated length
    expect(refusal(node([0x81, 0xd8, 0x2a, 0x58, short.length + 1, 0, ...short]))).toMatch(/not DAG-CBOR/)
    const long = [...bytes, 7]
    expect(refusal(node([0x81, 0xd8, 0x2a, 0x58, long.length + 1, 0, ...long]))).toMatch(/not DAG-CBOR/)
  })

  it('accepts exactly what @ipld/dag-cbor reads as the canonical form of a py-hamt node', () => {
    const base = node(
      [0xa2, ...text('b'), ...link(), ...text('ab'), ...link()],
      [0x81, ...link(child)],
      [0xa1, 0x62, 0xc3, 0xa9, ...link()],
    )
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.nat(4),
        (edits, cut) => {
          const bytes = Uint8Array.from(base)
          for (const [at, byte] of edits) bytes[at] = byte
          const mutated = cut === 0 ? bytes.subarray(0, bytes.length - 1) : bytes
          const canonical = readByDagCbor(mutated) !== undefined
          let accepted = true
          try {
            parseNode(mutated, blame)
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidNodeError)
            accepted = false
          }
          expect(accepted).toBe(canonical)
        },
      ),
      seeded('parser agrees with @ipld/dag-cbor', { numRuns: 3000 }),
    )
  })
})
