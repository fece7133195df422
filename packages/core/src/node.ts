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

/**
 * One HAMT node in memory. On the wire (py-hamt's format) it is a DAG-CBOR array of 256 slots:
 * `{}` empty, `{key: CID}` a bucket, `[CID]` a link.
 */
export class HamtNode {
  /** CID of the stored form; `undefined` while the node has changes not yet saved. */
  cid: CID | undefined
  /** Encoded size in bytes when last saved or loaded (cache accounting). */
  size: number

  constructor(
    readonly slots: Slot[] = new Array<Slot>(SLOT_COUNT).fill(undefined),
    cid?: CID,
    size = 0,
  ) {
    this.cid = cid
    this.size = size
  }
}

/** Encoded empty node: `0x99 0x0100` and 256 × `0xa0`. */
export const EMPTY_NODE_BYTES: Uint8Array = dagCbor.encode(new Array(SLOT_COUNT).fill({}))

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
  const bytes = tagged.subarray(1)
  const code = bytes[1] as number
  const hashCode = bytes[2] as number
  const size = bytes[3] as number
  if (bytes[0] === 1 && code < 0x80 && hashCode < 0x80 && size < 0x80 && bytes.length === 4 + size) {
    return new CID(1, code, new Digest(hashCode, size, bytes.subarray(4), bytes.subarray(2)), bytes)
  }
  return CID.decode(bytes)
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

/**
 * Decodes and checks a node block.
 *
 * @throws {InvalidNodeError} naming `cid` when the bytes are not a py-hamt node.
 */
export function decodeNode(bytes: Uint8Array, cid: CID): HamtNode {
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
  return new HamtNode(slots, cid, bytes.length)
}

/** Marks every node on a root-to-leaf path as changed. */
export function markDirty(path: readonly HamtNode[]): void {
  for (const node of path) node.cid = undefined
}
