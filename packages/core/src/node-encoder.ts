import { bucketEnd } from './bucket-bytes.js'
import { linkSize, writeLink } from './cbor-write.js'
import { HamtNode } from './node.js'
import { SLOT_COUNT } from './node-parser.js'

// A py-hamt node is the canonical DAG-CBOR of an array of 256 slots: `{}`, a bucket, or `[CID]`. A
// write-mode node already holds each bucket as those bytes (bucket-writer.ts keeps them canonical),
// so encoding copies them between the array head and the links; test/node-encoder.test.ts checks the
// result byte for byte against @ipld/dag-cbor.

const ARRAY_OF_256 = [0x99, 0x01, 0x00]
const EMPTY_MAP = 0xa0
const ARRAY_OF_1 = 0x81

// Where each bucket ends, measured in the first pass and copied by the second (one node at a time).
const ends = new Int32Array(SLOT_COUNT)

/**
 * The block of a node whose children are all saved.
 *
 * @throws {Error} (a bug) when a loaded child has no CID yet.
 */
export function encodeNode(node: HamtNode): Uint8Array {
  const slots = node.slots
  const data = node.data
  let length = ARRAY_OF_256.length
  // Indexed, not for-of: a commit runs this a few hundred times, often before the JIT has optimized it.
  for (let index = 0; index < SLOT_COUNT; index++) {
    const slot = slots[index]
    if (slot === undefined) length += 1
    else if (typeof slot === 'number') {
      const end = bucketEnd(data, slot)
      ends[index] = end
      length += end - slot
    } else length += 1 + linkSize(linkOf(slot, index).length)
  }
  const out = new Uint8Array(length)
  out.set(ARRAY_OF_256)
  let at = ARRAY_OF_256.length
  for (let index = 0; index < SLOT_COUNT; index++) {
    const slot = slots[index]
    if (slot === undefined) out[at++] = EMPTY_MAP
    else if (typeof slot === 'number') {
      const end = ends[index] as number
      out.set(data.subarray(slot, end), at)
      at += end - slot
    } else {
      out[at] = ARRAY_OF_1
      at = writeLink(out, at + 1, linkOf(slot, index))
    }
  }
  return out
}

/** The bytes of the CID a link slot points to. */
function linkOf(slot: HamtNode | { bytes: Uint8Array }, index: number): Uint8Array {
  if (!(slot instanceof HamtNode)) return slot.bytes
  if (slot.cid === undefined) throw new Error(`BUG: child at slot ${index} encoded before it was saved`)
  return slot.cid.bytes
}
