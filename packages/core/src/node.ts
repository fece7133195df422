import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { cidEnd, cidOf, cidStart, headLength, headValue, keyAt, keyEnd } from './node-bytes.js'
import { type EncodableSlot, encodeNodeSlots } from './node-encoder.js'
import { parseNode, SLOT_COUNT } from './node-parser.js'
import { checkPlace, type NodePlace } from './node-place.js'

export { SLOT_COUNT } from './node-parser.js'
export { childPath, type NodePlace } from './node-place.js'

/** Up to `maxBucketSize` keys and the CIDs of their values. */
export type Bucket = Map<string, CID>

/** What a walk over a tree's buckets reads of each: a write-mode {@link Bucket} is one. */
export interface BucketView {
  /** Number of keys. */
  readonly size: number
  /** The keys. */
  keys(): IterableIterator<string>
  /** The keys with the CIDs of their values. */
  [Symbol.iterator](): IterableIterator<[string, CID]>
}

/**
 * A slot holds nothing, a bucket, or a link to a child node: either the child's CID (not loaded)
 * or the loaded child itself (write mode only).
 */
export type Slot = Bucket | CID | HamtNode | undefined

const ROOT_PATH = new Uint8Array(0)

/**
 * One HAMT node in memory. On the wire (py-hamt's format) it is a DAG-CBOR array of 256 slots:
 * `{}` empty, `{key: CID}` a bucket, `[CID]` a link.
 */
export class HamtNode {
  /** CID of the stored form; `undefined` while the node has changes not yet saved. */
  cid: CID | undefined
  /** Estimated bytes of memory the node holds (its slots, buckets and CIDs, not its loaded children). */
  size: number

  constructor(
    readonly slots: Slot[] = new Array<Slot>(SLOT_COUNT).fill(undefined),
    cid?: CID,
    size = 0,
    /** The hash prefix the node sits at: the slot indices from the root down (empty for the root). */
    readonly path: Uint8Array = ROOT_PATH,
  ) {
    this.cid = cid
    this.size = size
  }
}

/** Encoded empty node: `0x99 0x0100` and 256 × `0xa0`. */
export const EMPTY_NODE_BYTES: Uint8Array = dagCbor.encode(new Array(SLOT_COUNT).fill({}))

// Heap bytes of a decoded node's parts in V8 (x64, pointer compression off), measured by
// bench/memory.bench.ts's calibration: the node and its 256-slot array, a bucket's Map, one bucket
// entry (key string aside), and one CID (object, digest, three views of a shared slab).
const NODE_BYTES = 2_200
const BUCKET_BYTES = 180
const ENTRY_BYTES = 60
const CID_BYTES = 340

/** Estimated heap bytes of `node` itself (see {@link HamtNode.size}). */
export function nodeMemory(node: HamtNode): number {
  let bytes = NODE_BYTES + node.path.length
  for (const slot of node.slots) {
    if (slot === undefined) continue
    if (slot instanceof Map) {
      bytes += BUCKET_BYTES
      for (const key of slot.keys()) bytes += ENTRY_BYTES + CID_BYTES + 16 + key.length * 2
    } else {
      bytes += CID_BYTES
    }
  }
  return bytes
}

/** Memory of one more bucket entry, for keeping a running total while writing. */
export function entryMemory(key: string): number {
  return ENTRY_BYTES + CID_BYTES + 16 + key.length * 2
}

/** Whether `node` holds no keys and no links: the only node that may sit at any path. */
export function isEmptyNode(node: HamtNode): boolean {
  for (const slot of node.slots) if (slot !== undefined) return false
  return true
}

// CIDs of a decoded node are copied into a shared slab: cborg gives each its own small ArrayBuffer,
// which cost V8 about 200 bytes apiece.
const SLAB_SIZE = 64 * 1024
let slab = new Uint8Array(SLAB_SIZE)
let used = 0

function intoSlab(bytes: Uint8Array): Uint8Array {
  if (used + bytes.length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE)
    used = 0
  }
  const copy = slab.subarray(used, used + bytes.length)
  copy.set(bytes)
  used += bytes.length
  return copy
}

/** A copy of the CID of the link at `at` in `bytes`, in the slab (so it does not keep the block alive). */
function copiedCidAt(bytes: Uint8Array, at: number): CID {
  return cidOf(intoSlab(bytes.subarray(cidStart(bytes, at), cidEnd(bytes, at))))
}

// The slots as the encoder takes them, one array reused from node to node. A new array per node
// (`slots.map`) came in whichever elements kind the code that made it chose, optimized or not, and a
// kind the optimized encoder had not seen sent it back to the interpreter in the middle of a commit.
const encodable = new Array<EncodableSlot>(SLOT_COUNT).fill(undefined)

/** Encodes a node whose children are all saved. */
export function encodeNode(node: HamtNode): Uint8Array {
  const slots = node.slots
  for (let index = 0; index < SLOT_COUNT; index++) {
    const slot = slots[index]
    if (!(slot instanceof HamtNode)) {
      encodable[index] = slot
    } else if (slot.cid !== undefined) {
      encodable[index] = slot.cid
    } else {
      encodable.fill(undefined)
      throw new Error(`BUG: child at slot ${index} encoded before it was saved`)
    }
  }
  const bytes = encodeNodeSlots(encodable)
  // Not kept alive by the scratch array.
  encodable.fill(undefined)
  return bytes
}

/**
 * Decodes and checks a node block into a node that can be written: that it is the canonical DAG-CBOR
 * of a py-hamt node (see {@link parseNode}) and, when a `place` is given, that it sits there (see
 * {@link checkPlace}).
 *
 * @throws {InvalidNodeError} naming `cid` when the bytes are not a py-hamt node, or not one at `place`.
 */
export function decodeNode(bytes: Uint8Array, cid: CID, place?: NodePlace): HamtNode {
  const starts = parseNode(bytes, cid)
  if (place !== undefined) checkPlace(bytes, starts, cid, place)
  const slots = new Array<Slot>(SLOT_COUNT)
  for (let index = 0; index < SLOT_COUNT; index++) {
    let at = starts[index] as number
    const first = bytes[at] as number
    if (first === 0xa0) {
      slots[index] = undefined
    } else if (first === 0x81) {
      slots[index] = copiedCidAt(bytes, at + 1)
    } else {
      const bucket: Bucket = new Map()
      const count = headValue(bytes, at)
      at += headLength(first)
      for (let entry = 0; entry < count; entry++) {
        const end = keyEnd(bytes, at)
        bucket.set(keyAt(bytes, at), copiedCidAt(bytes, end))
        at = cidEnd(bytes, end)
      }
      slots[index] = bucket
    }
  }
  const node = new HamtNode(slots, cid, 0, place?.path ?? ROOT_PATH)
  node.size = nodeMemory(node)
  return node
}

/** Marks every node on a root-to-leaf path as changed. */
export function markDirty(path: readonly HamtNode[]): void {
  for (const node of path) node.cid = undefined
}
