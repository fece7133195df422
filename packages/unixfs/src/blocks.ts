import type { CallOptions } from '@hamt/core'
import type { CID } from 'multiformats/cid'

/**
 * Block-level reads: the bytes of one block as stored, for any CID (a UnixFS file's dag-pb root and
 * its leaves included). `ContentAddressedStore.load` returns a file's contents for a dag-pb CID;
 * code that copies blocks (CAR export, a blockstore view) needs this instead.
 */
export interface BlockReader {
  /**
   * The bytes of the block named by `cid`.
   *
   * @throws {BlockNotFoundError} (from `@hamt/core`) when the block is not held.
   */
  loadBlock(cid: CID, options?: CallOptions): Promise<Uint8Array>
}

/** Block-level writes: stores `bytes` under `cid` (which already names them). */
export interface BlockWriter {
  /** Stores `bytes` under `cid`; may keep `bytes` as given (no copy). */
  putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void>
}

/** Whether `store` also offers block-level reads. */
export function isBlockReader(store: unknown): store is BlockReader {
  return typeof store === 'object' && store !== null && typeof (store as Partial<BlockReader>).loadBlock === 'function'
}

/** Joins chunks into one array (no copy for a single chunk). */
export function concatChunks(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const size = total ?? chunks.reduce((sum, chunk) => sum + chunk.length, 0)
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
