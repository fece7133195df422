import { type ByteRange, type CallOptions, resolveRange } from '@hamt/core'
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import { type BlockReader, concatChunks } from './blocks.js'
import { NotAUnixFsFileError } from './errors.js'

/**
 * Reads the UnixFS file `cid` (or a range of it) block by block through `reader`, fetching only the
 * leaves the range covers. Ranges follow `@hamt/core`'s rules (clipped at the end; an offset past
 * the end is an `InvalidRangeError`).
 *
 * @throws {BlockNotFoundError} (from `reader`) when a block of the file is missing.
 * @throws {InvalidRangeError} for a malformed range or an offset past the end.
 * @throws {NotAUnixFsFileError} when `cid` names something other than a file.
 */
export async function readUnixFsFile(
  cid: CID,
  reader: BlockReader,
  range?: ByteRange,
  options?: CallOptions,
): Promise<Uint8Array> {
  options?.signal?.throwIfAborted()
  const signal = options?.signal
  // Errors of the store pass through as they are; any other error comes from decoding.
  const storeErrors = new WeakSet<object>()
  const storage = {
    // interface-blockstore's `get` yields a block in chunks; one chunk here.
    async *get(block: CID): AsyncGenerator<Uint8Array> {
      try {
        yield await reader.loadBlock(block, signal === undefined ? undefined : { signal })
      } catch (error) {
        if (typeof error === 'object' && error !== null) storeErrors.add(error)
        throw error
      }
    },
  }
  const rethrown = (error: unknown): unknown => {
    if ((typeof error === 'object' && error !== null && storeErrors.has(error)) || signal?.aborted) return error
    return new NotAUnixFsFileError(cid, error instanceof Error ? error.message : String(error), { cause: error })
  }
  let entry: UnixFSEntry
  try {
    entry = await exporter(cid, storage, signal === undefined ? {} : { signal })
  } catch (error) {
    throw rethrown(error)
  }
  if (entry.type !== 'file' && entry.type !== 'raw') {
    throw new NotAUnixFsFileError(cid, `it is a UnixFS ${entry.type}`)
  }
  const size = Number(entry.size)
  const { start, end } = range === undefined ? { start: 0, end: size } : resolveRange(range, size)
  if (start === end) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of entry.content({ offset: start, length: end - start, ...(signal ? { signal } : {}) })) {
      chunks.push(chunk)
    }
  } catch (error) {
    throw rethrown(error)
  }
  const read = chunks.reduce((sum, chunk) => sum + chunk.length, 0)
  if (read !== end - start) {
    // The leaves hold less (or more) than the root's sizes say: a damaged or forged file.
    throw new NotAUnixFsFileError(cid, `its blocks hold ${read} bytes of bytes ${start}-${end - 1}, not ${end - start}`)
  }
  return concatChunks(chunks, read)
}
