import type { CID } from 'multiformats/cid'
import type { HamtNode } from './node.js'

/** What the tree operations need from the HAMT that runs them. */
export interface TreeContext {
  readonly maxBucketSize: number
  /** Hash of a key (its UTF-8 bytes through the HAMT's hash function). */
  hashKey(key: string): Uint8Array
  /**
   * The child node linked from `parent.slots[index]` by `cid`: synchronously when it is at hand,
   * otherwise a promise of it. A lookup passes its key's hash (read during the call only), so that a
   * remote store can fetch the rest of the key's chain of nodes in the same round trip.
   */
  child(parent: HamtNode, index: number, cid: CID, hash?: Uint8Array): HamtNode | Promise<HamtNode>
}
