/**
 * py-hamt's settings for Kubo's `add` (`chunker=size-1048576`, `hash=blake3`, `cid-version=1`), with
 * the defaults Kubo applies to them: raw leaves (implied by CIDv1), the balanced layout, and at most
 * 174 links per node (`Import.UnixFSFileMaxLinks`, boxo's `DefaultLinksPerBlock`).
 */
export const KUBO_ADD_SETTINGS = {
  /** Bytes per leaf: Kubo's chunker `size-1048576` as py-hamt's KuboCAS asks for it. */
  chunkSize: 1_048_576,
  /** Children per UnixFS node, at most. */
  maxChildrenPerNode: 174,
  /** Leaves are raw blocks, not UnixFS nodes. */
  rawLeaves: true,
  /** CIDv1 for every block (Kubo's `cid-version=1`). */
  cidVersion: 1,
} as const

/**
 * Values longer than this (1 MiB) span several chunks, so Kubo's `add` returns the dag-pb CID of a
 * UnixFS file for them; values up to it are one raw block.
 */
export const UNIXFS_THRESHOLD = KUBO_ADD_SETTINGS.chunkSize

/** Multicodec of dag-pb, the codec of a UnixFS file's root. */
export const DAG_PB = 0x70

/** Whether `size` bytes are stored as a UnixFS file (more than one chunk) rather than one block. */
export function spansSeveralChunks(size: number): boolean {
  return size > UNIXFS_THRESHOLD
}
