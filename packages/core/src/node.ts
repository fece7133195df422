import * as dagCbor from '@ipld/dag-cbor'
import { decode as decodeCbor } from 'cborg'
import { CID } from 'multiformats/cid'
import { Digest } from 'multiformats/hashes/digest'
import { InvalidNodeError } from './errors.js'
import { encodeNodeSlots } from './node-encoder.js'

/** Slots in a node: 8 bits of the key hash pick one. */
export const SLOT_COUNT = 256

/** Up to `maxBucketSize` keys and the CIDs of their values. */
export type Bucket = Map<string, CID>

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

/** The path of the child in slot `index` of `parent`. */
export function childPath(parent: HamtNode, index: number): Uint8Array {
  const path = new Uint8Array(parent.path.length + 1)
  path.set(parent.path)
  path[parent.path.length] = index
  return path
}

/** Whether `child` was checked as the child in slot `index` of `parent`. */
export function isChildOf(child: HamtNode, parent: HamtNode, index: number): boolean {
  const at = parent.path.length
  const path = child.path
  if (path.length !== at + 1 || path[at] !== index) return false
  for (let i = 0; i < at; i++) if (path[i] !== parent.path[i]) return false
  return true
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

const decodeOptions = {
  ...dagCbor.decodeOptions,
  useMaps: true,
  tags: { ...dagCbor.decodeOptions.tags, 42: decodeCidTag },
}

/**
 * A CID in a node, as @ipld/dag-cbor reads it, but built straight from its bytes when it is a CIDv1
 * with one-byte varints (every CID py-hamt and Kubo write here): a node holds hundreds of them, and
 * the general `CID.decode` was a third of a node's decoding time.
 */
function decodeCidTag(decode: () => unknown): CID {
  const tagged = decode()
  if (!(tagged instanceof Uint8Array) || tagged[0] !== 0) {
    throw new Error('Invalid CID for CBOR tag 42; expected a byte string with a leading 0x00')
  }
  const code = tagged[2] as number
  const hashCode = tagged[3] as number
  const size = tagged[4] as number
  if (tagged[1] === 1 && code < 0x80 && hashCode < 0x80 && size < 0x80 && tagged.length === 5 + size) {
    const bytes = intoSlab(tagged.subarray(1))
    return new CID(1, code, new Digest(hashCode, size, bytes.subarray(4), bytes.subarray(2)), bytes)
  }
  return CID.decode(tagged.subarray(1))
}

/** Encodes a node whose children are all saved. */
export function encodeNode(node: HamtNode): Uint8Array {
  return encodeNodeSlots(
    node.slots.map((slot, index) => {
      if (!(slot instanceof HamtNode)) return slot
      if (slot.cid === undefined) throw new Error(`BUG: child at slot ${index} encoded before it was saved`)
      return slot.cid
    }),
  )
}

/** What a node is checked against when it is read: where it sits, and how keys are placed. */
export interface NodePlace {
  /** The hash prefix the node sits at (empty for the root). */
  readonly path: Uint8Array
  /** Hash of a key. */
  hashKey(key: string): Uint8Array
  /** Bytes of a key hash: a node at this depth or deeper has no slot to pick. */
  readonly hashLength: number
}

/**
 * Decodes and checks a node block: its shape, that it is the canonical DAG-CBOR of what it holds
 * (bucket keys in order, valid UTF-8), that it sits no deeper than the hash allows, and, when a
 * `place` is given, that every bucket key hashes to the slot and path it sits at. A tree read this way
 * has no cycles and no shared subtrees, so every walk over it ends.
 *
 * @throws {InvalidNodeError} naming `cid` when the bytes are not a py-hamt node, or not one at `place`.
 */
export function decodeNode(bytes: Uint8Array, cid: CID, place?: NodePlace): HamtNode {
  let data: unknown
  try {
    data = decodeCbor(bytes, decodeOptions)
  } catch (cause) {
    throw new InvalidNodeError(cid, `not DAG-CBOR (${(cause as Error).message})`, { cause })
  }
  if (!Array.isArray(data) || data.length !== SLOT_COUNT) {
    throw new InvalidNodeError(cid, `expected an array of ${SLOT_COUNT} slots`)
  }
  const slots = new Array<Slot>(SLOT_COUNT)
  for (let i = 0; i < SLOT_COUNT; i++) {
    const item: unknown = data[i]
    if (item instanceof Map) {
      if (item.size === 0) {
        slots[i] = undefined
        continue
      }
      for (const [key, value] of item) {
        if (typeof key !== 'string' || CID.asCID(value) === null) {
          throw new InvalidNodeError(cid, `slot ${i} holds a bucket entry that is not string → CID`)
        }
      }
      slots[i] = item as Bucket
    } else if (Array.isArray(item) && item.length === 1 && CID.asCID(item[0]) !== null) {
      slots[i] = item[0] as CID
    } else {
      throw new InvalidNodeError(cid, `slot ${i} is neither a bucket nor a link`)
    }
  }
  checkCanonical(bytes, slots, cid)
  const path = place?.path ?? ROOT_PATH
  const node = new HamtNode(slots, cid, 0, path)
  node.size = nodeMemory(node)
  if (place === undefined) return node
  if (path.length >= place.hashLength && !isEmptyNode(node)) {
    throw new InvalidNodeError(
      cid,
      `it sits ${path.length} levels deep, deeper than a ${place.hashLength}-byte key hash reaches (a cycle or a forged chain)`,
    )
  }
  const depth = path.length
  for (let i = 0; i < SLOT_COUNT; i++) {
    const slot = slots[i]
    if (!(slot instanceof Map)) continue
    for (const key of slot.keys()) {
      const hash = place.hashKey(key)
      let fits = hash[depth] === i
      for (let d = 0; fits && d < depth; d++) fits = hash[d] === path[d]
      if (!fits) {
        throw new InvalidNodeError(
          cid,
          `key ${JSON.stringify(key)} sits in slot ${i} at path [${[...path].join(', ')}], where its hash does not put it`,
        )
      }
    }
  }
  return node
}

/**
 * A node block is the canonical DAG-CBOR of its contents, which is what every writer (py-hamt's and
 * ours) produces; anything else (unsorted or duplicate bucket keys, text that is not UTF-8 and
 * decoded to U+FFFD, over-long integers) is refused rather than read differently from what it says.
 */
function checkCanonical(bytes: Uint8Array, slots: readonly Slot[], cid: CID): void {
  const again = encodeNodeSlots(slots as readonly (Bucket | CID | undefined)[])
  let same = again.length === bytes.length
  for (let i = 0; same && i < bytes.length; i++) same = again[i] === bytes[i]
  if (same) return
  for (const [index, slot] of slots.entries()) {
    if (!(slot instanceof Map)) continue
    for (const key of slot.keys()) {
      if (key.includes('\uFFFD')) {
        throw new InvalidNodeError(cid, `slot ${index} holds a key that is not valid UTF-8`)
      }
    }
    const keys = [...slot.keys()].map((key) => utf8.encode(key))
    for (let k = 1; k < keys.length; k++) {
      if (compareKeyBytes(keys[k - 1] as Uint8Array, keys[k] as Uint8Array) >= 0) {
        throw new InvalidNodeError(cid, `the keys of the bucket in slot ${index} are not in DAG-CBOR order`)
      }
    }
  }
  throw new InvalidNodeError(cid, 'it is not in canonical DAG-CBOR form')
}

const utf8 = new TextEncoder()

function compareKeyBytes(x: Uint8Array, y: Uint8Array): number {
  if (x.length !== y.length) return x.length - y.length
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return 0
}

/** Marks every node on a root-to-leaf path as changed. */
export function markDirty(path: readonly HamtNode[]): void {
  for (const node of path) node.cid = undefined
}
