import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { cidEnd, cidStart, copiedCid } from './node-bytes.js'
import { parseNode, SLOT_COUNT } from './node-parser.js'
import { checkPlace, type NodePlace } from './node-place.js'

export { type BucketView, EncodedBucket } from './bucket-bytes.js'
export { SLOT_COUNT } from './node-parser.js'
export { childPath, type NodePlace } from './node-place.js'

/**
 * A slot holds nothing, a bucket (the offset of its bytes in the node's {@link HamtNode.data}), or a
 * link to a child node: either the child's CID (not loaded) or the loaded child itself.
 */
export type Slot = number | CID | HamtNode | undefined

const ROOT_PATH = new Uint8Array(0)
const NO_ARENA = new Uint8Array(0)

/**
 * One node of a tree being written. On the wire (py-hamt's format) it is a DAG-CBOR array of 256
 * slots: `{}` empty, `{key: CID}` a bucket, `[CID]` a link.
 *
 * Buckets are held as the bytes the node's block will hold, in an arena of the node's own (see
 * bucket-writer.ts), not as a `Map` of CID objects: a tree being written is then a few objects per
 * node rather than several per key, which the garbage collector would copy again and again while a
 * bulk load runs, and a commit copies each bucket's bytes instead of encoding its entries.
 */
export class HamtNode {
  /** CID of the stored form; `undefined` while the node has changes not yet saved. */
  cid: CID | undefined
  /** Estimated bytes of memory the node holds (its slots, arena and CIDs, not its loaded children). */
  size: number
  /**
   * The arena holding the buckets' bytes, each at the offset its slot holds. A change to a bucket
   * writes a new one past `used` (or into a new arena), never over the old bytes, so a snapshot may
   * share the arena and a view into it stays valid.
   */
  data: Uint8Array
  /** Bytes of `data` written so far; some of them may be old buckets no slot points at any more. */
  used: number

  constructor(
    readonly slots: Slot[] = new Array<Slot>(SLOT_COUNT).fill(undefined),
    cid?: CID,
    size = 0,
    /** The hash prefix the node sits at: the slot indices from the root down (empty for the root). */
    readonly path: Uint8Array = ROOT_PATH,
    data: Uint8Array = NO_ARENA,
    used = 0,
  ) {
    this.cid = cid
    this.size = size
    this.data = data
    this.used = used
  }
}

/** Encoded empty node: `0x99 0x0100` and 256 × `0xa0`. */
export const EMPTY_NODE_BYTES: Uint8Array = dagCbor.encode(new Array(SLOT_COUNT).fill({}))

// Heap bytes of a node's parts in V8 (x64), measured by bench/memory.bench.ts's calibration: the node
// and its 256-slot array, its arena's objects (the bytes themselves are counted as they are), and one
// CID (object, digest, three views of a shared slab).
const NODE_BYTES = 2_200
const ARENA_BYTES = 200
const CID_BYTES = 340

/** Estimated memory of `node` itself (see {@link HamtNode.size}). */
export function nodeMemory(node: HamtNode): number {
  let bytes = NODE_BYTES + ARENA_BYTES + node.path.length + node.data.byteLength
  for (const slot of node.slots) if (slot !== undefined && typeof slot !== 'number') bytes += CID_BYTES
  return bytes
}

/** Whether `node` holds no keys and no links: the only node that may sit at any path. */
export function isEmptyNode(node: HamtNode): boolean {
  for (const slot of node.slots) if (slot !== undefined) return false
  return true
}

const EMPTY_MAP = 0xa0
const ARRAY_OF_1 = 0x81

/**
 * Decodes and checks a node block into a node that can be written: that it is the canonical DAG-CBOR
 * of a py-hamt node (see {@link parseNode}) and, when a `place` is given, that it sits there (see
 * {@link checkPlace}). The block's copy is the node's arena: its buckets are used where they are.
 *
 * @throws {InvalidNodeError} naming `cid` when the bytes are not a py-hamt node, or not one at `place`.
 */
export function decodeNode(bytes: Uint8Array, cid: CID, place?: NodePlace): HamtNode {
  const starts = parseNode(bytes, cid)
  if (place !== undefined) checkPlace(bytes, starts, cid, place)
  const data = bytes.slice()
  const slots = new Array<Slot>(SLOT_COUNT)
  for (let index = 0; index < SLOT_COUNT; index++) {
    const at = starts[index] as number
    const first = data[at] as number
    if (first === EMPTY_MAP) slots[index] = undefined
    else if (first === ARRAY_OF_1) slots[index] = copiedCid(data, cidStart(data, at + 1), cidEnd(data, at + 1))
    else slots[index] = at
  }
  const node = new HamtNode(slots, cid, 0, place?.path ?? ROOT_PATH, data, data.length)
  node.size = nodeMemory(node)
  return node
}

/** Marks every node on a root-to-leaf path as changed. */
export function markDirty(path: readonly HamtNode[]): void {
  for (const node of path) node.cid = undefined
}
