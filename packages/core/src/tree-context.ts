import type { CID } from 'multiformats/cid'
import type { HamtNode } from './node.js'

/** What the tree operations need from the HAMT that runs them. */
export interface TreeContext {
  readonly maxBucketSize: number
  /** Hash of a key (its UTF-8 bytes through the HAMT's hash function). */
  hashKey(key: string): Uint8Array
  /**
   * The child node linked from `parent.slots[index]` by `cid`: synchronously when it is at hand,
   * otherwise a promise of it.
   */
  child(parent: HamtNode, index: number, cid: CID): HamtNode | Promise<HamtNode>
}
