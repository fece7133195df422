import type { CID } from 'multiformats/cid'
import { cidEnd, cidStart, copiedCid } from './node-bytes.js'
import { parseNode, SLOT_COUNT } from './node-parser.js'
import { checkPlace, type NodePlace } from './node-place.js'

const EMPTY_MAP = 0xa0
const ARRAY_OF_1 = 0x81

/**
 * A node of a read-only tree, read in place from its checked block: the block's bytes and where each
 * slot starts, no object per bucket, key or CID. A read touches a few cache lines of one block
 * instead of a chain of objects, and a cached node takes about its block's size in memory (a decoded
 * node took several times that).
 */
export class StoredNode {
  /**
   * The cached children, by slot: what a warm read follows instead of finding each child by its CID.
   * Made when the first child is cached; the node cache clears a slot when it evicts that child.
   */
  children: (StoredNode | undefined)[] | undefined
  /** Read since the node cache's eviction sweep last passed it (CLOCK's second chance). */
  used = false
  /** Estimated bytes of memory the node holds, its table of children included when it has links. */
  readonly size: number
  /** Whether any slot links to a child node (a node without is a leaf). */
  readonly hasLinks: boolean

  constructor(
    /** The block, checked to be a py-hamt node (its own buffer: it keeps nothing else alive). */
    readonly bytes: Uint8Array,
    /** Where each of the 256 slots starts in `bytes`. */
    readonly starts: Uint32Array,
    /** The block's CID. */
    readonly cid: CID,
    /** The hash prefix the node sits at: the slot indices from the root down (empty for the root). */
    readonly path: Uint8Array,
  ) {
    let links = false
    for (let index = 0; !links && index < SLOT_COUNT; index++) links = bytes[starts[index] as number] === ARRAY_OF_1
    this.hasLinks = links
    this.size = bytes.byteLength + starts.byteLength + path.byteLength + NODE_OVERHEAD + (links ? CHILDREN_BYTES : 0)
  }
}

/** The node object, its three typed arrays and their buffers, as V8 holds them (x64). */
const NODE_OVERHEAD = 400
/** A table of 256 children. */
const CHILDREN_BYTES = 2 * 1024 + 16

/**
 * Checks a node block (see {@link parseNode}) at `place` (see {@link checkPlace}) and keeps it to be
 * read in place. A view into a larger buffer is copied, so a cached node never keeps a response or an
 * arena alive.
 *
 * @throws {InvalidNodeError} naming `cid` when the bytes are not a py-hamt node, or not one at `place`.
 */
export function storedNode(bytes: Uint8Array, cid: CID, place: NodePlace): StoredNode {
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
  const starts = parseNode(own, cid)
  checkPlace(own, starts, cid, place)
  return new StoredNode(own, starts, cid, place.path)
}

/** Slot kinds, as {@link slotKind} tells them. */
export const EMPTY = 0
export const BUCKET = 1
export const LINK = 2

/** What slot `index` holds: {@link EMPTY}, a {@link BUCKET} or a {@link LINK}. */
export function slotKind(node: StoredNode, index: number): number {
  const first = node.bytes[node.starts[index] as number]
  return first === EMPTY_MAP ? EMPTY : first === ARRAY_OF_1 ? LINK : BUCKET
}

/** Where the tag-42 link of slot `index` (a {@link LINK}) is in the block. */
export function linkAt(node: StoredNode, index: number): number {
  return (node.starts[index] as number) + 1
}

/** The CID the link in slot `index` (a {@link LINK}) points to, copied out of the block. */
export function linkCid(node: StoredNode, index: number): CID {
  const at = linkAt(node, index)
  return copiedCid(node.bytes, cidStart(node.bytes, at), cidEnd(node.bytes, at))
}

/** Whether the node holds no keys and no links: the only node that may sit at any path. */
export function isEmptyStored(node: StoredNode): boolean {
  return node.bytes.length === 3 + SLOT_COUNT
}

/** Whether `child` was checked as the child in slot `index` of `parent`. */
export function isStoredChildOf(child: StoredNode, parent: StoredNode, index: number): boolean {
  const at = parent.path.length
  const path = child.path
  if (path.length !== at + 1 || path[at] !== index) return false
  for (let i = 0; i < at; i++) if (path[i] !== parent.path[i]) return false
  return true
}
