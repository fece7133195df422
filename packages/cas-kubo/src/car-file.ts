import { type ByteRange, resolveRange } from '@hamt/core'
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { IntegrityError, InvalidResponseError, ResponseTooLargeError, UnverifiableError } from './errors.js'
import { canVerify, DAG_PB, mismatch } from './verify.js'

/** Largest block accepted: what Kubo and bitswap accept. */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024
/** Room for a CAR header. */
export const HEADER_BYTES = 64 * 1024
/** Room for a block's length varint and CID in a CAR. */
export const BLOCK_OVERHEAD = 128
const RAW = 0x55
const IDENTITY = 0x00

/** Where a verified file read's answer came from, for error messages. */
export interface FileContext {
  url: string
  cid: CID
}

/**
 * The `entity-bytes` parameter of a trustless gateway request for `range` (its `to` is inclusive),
 * or `undefined` for the whole file. Empty ranges are asked for with `dag-scope=block` instead.
 */
export function entityBytes(range: ByteRange | undefined): string | undefined {
  if (range === undefined) return undefined
  if ('suffix' in range) return `-${range.suffix}:*`
  if (range.length === undefined) return `${range.offset}:*`
  return `${range.offset}:${range.offset + range.length - 1}`
}

/** Whether `range` asks for no bytes at all (the root block then says whether it is valid). */
export function isEmptyRange(range: ByteRange | undefined): boolean {
  if (range === undefined) return false
  return 'suffix' in range ? range.suffix === 0 : range.length === 0
}

/** A block of the file that the answer must hold, and where its bytes start in the file. */
interface Wanted {
  cid: CID
  offsets: number[]
  /** Bytes of the file under it, as its parent says (the root's is its own file size). */
  size: number | undefined
}

/**
 * Reads the bytes of `range` (or all) of the UnixFS file `root` from a CAR stream, trusting nothing:
 * every block must hash to its CID, be one the file's structure calls for in the range (parents come
 * before their children, as in every CAR order a gateway sends), and be no larger than it can be; the
 * sizes of the file's nodes must add up. Memory stays bounded by what the range needs: the stream is
 * read only as far as the blocks still expected can reach.
 *
 * @throws {IntegrityError} a block that does not hash to its CID.
 * @throws {InvalidResponseError} a block missing, not asked for, or a structure that does not add up.
 * @throws {ResponseTooLargeError} more bytes than the blocks still expected can take.
 * @throws {UnverifiableError} a block hashed with a function this package does not implement.
 * @throws {InvalidRangeError} the range starts past the end of the file.
 */
export async function readVerifiedFile(
  chunks: AsyncIterable<Uint8Array>,
  root: CID,
  range: ByteRange | undefined,
  context: FileContext,
): Promise<Uint8Array> {
  const refuse = (reason: string): InvalidResponseError => new InvalidResponseError(context, reason)
  let budget = HEADER_BYTES + MAX_BLOCK_BYTES + BLOCK_OVERHEAD
  const source = bounded(chunks, () => budget, context)
  const expected = new Map<string, Wanted>([[root.toString(), { cid: root, offsets: [0], size: undefined }]])
  const received = new Map<string, { cid: CID; bytes: Uint8Array; node?: FileNode }>()
  let span: { start: number; end: number } | undefined

  /** Records that the block `cid` is needed at `offset`; expands it at once if it already came. */
  const want = async (cid: CID, offset: number, size: number): Promise<void> => {
    if (cid.multihash.code === IDENTITY) return
    const key = cid.toString()
    const have = received.get(key)
    if (have !== undefined) {
      if (have.node !== undefined) await expand(have.node, offset)
      return
    }
    const entry = expected.get(key)
    if (entry !== undefined) {
      entry.offsets.push(offset)
      return
    }
    expected.set(key, { cid, offsets: [offset], size })
    budget += (cid.code === RAW ? Math.min(size, MAX_BLOCK_BYTES) : MAX_BLOCK_BYTES) + BLOCK_OVERHEAD
  }
  /** Asks for the children of `node` (at `offset` in the file) that overlap the range. */
  const expand = async (node: FileNode, offset: number): Promise<void> => {
    if (span === undefined || span.start === span.end) return
    let at = offset + node.data.length
    for (const child of node.children) {
      if (at < span.end && at + child.size > span.start) await want(child.cid, at, child.size)
      at += child.size
    }
  }

  let blocks: CarBlockIterator
  try {
    blocks = await CarBlockIterator.fromIterable(source)
  } catch (error) {
    throw rethrowOr(error, () => refuse(`not a CAR: ${(error as Error).message}`))
  }
  try {
    for await (const block of blocks) {
      const key = block.cid.toString()
      const entry = expected.get(key)
      if (entry === undefined) {
        if (received.has(key)) continue // a duplicate; harmless
        throw refuse(`block ${key} is not part of the file range asked for`)
      }
      const cid = entry.cid
      if (!canVerify(cid)) throw new UnverifiableError(cid, `multihash code 0x${cid.multihash.code.toString(16)}`)
      if (block.bytes.length > MAX_BLOCK_BYTES)
        throw new ResponseTooLargeError(context, MAX_BLOCK_BYTES, block.bytes.length)
      const actual = await mismatch(cid, block.bytes)
      if (actual !== undefined) throw new IntegrityError(cid, context.url, actual)
      expected.delete(key)
      if (cid.code === RAW) {
        received.set(key, { cid, bytes: block.bytes })
        continue
      }
      if (cid.code !== DAG_PB) throw refuse(`block ${key} is neither raw nor dag-pb`)
      const node = decodeFileNode(block.bytes, key, refuse)
      received.set(key, { cid, bytes: block.bytes, node })
      if (span === undefined) {
        // The root: its file size tells what the range is.
        span = resolveRange(range ?? { offset: 0 }, node.fileSize)
      }
      for (const offset of entry.offsets) await expand(node, offset)
    }
  } catch (error) {
    throw rethrowOr(error, () => refuse(`the CAR is malformed: ${(error as Error).message}`))
  }
  if (span === undefined) throw refuse('the root block is missing')
  if (expected.size > 0) {
    const missing = [...expected.keys()]
    throw refuse(`${missing.length} block(s) of the range are missing, e.g. ${missing[0]}`)
  }
  const out = new Uint8Array(span.end - span.start)
  const fill = (cid: CID, offset: number, size: number | undefined): void => {
    // Every block the range needs was received (checked above), or is inline in its CID.
    const have = received.get(cid.toString()) ?? { bytes: cid.multihash.digest, node: undefined }
    const bytes = have.bytes
    if (cid.code === RAW) {
      if (size !== undefined && bytes.length !== size) {
        throw refuse(`leaf ${cid} holds ${bytes.length} bytes, its parent says ${size}`)
      }
      copyOverlap(out, span as { start: number; end: number }, bytes, offset)
      return
    }
    const file = have.node ?? decodeFileNode(bytes, cid.toString(), refuse)
    if (size !== undefined && file.fileSize !== size) {
      throw refuse(`node ${cid} holds ${file.fileSize} bytes, its parent says ${size}`)
    }
    const { start, end } = span as { start: number; end: number }
    if (start === end) return
    copyOverlap(out, { start, end }, file.data, offset)
    let at = offset + file.data.length
    for (const child of file.children) {
      if (at < end && at + child.size > start) fill(child.cid, at, child.size)
      at += child.size
    }
  }
  fill(root, 0, undefined)
  return out
}

/** A UnixFS file node: its inline bytes, and its children with the file bytes under each. */
interface FileNode {
  data: Uint8Array
  children: Array<{ cid: CID; size: number }>
  fileSize: number
}

function decodeFileNode(bytes: Uint8Array, key: string, refuse: (reason: string) => Error): FileNode {
  let pb: dagPb.PBNode
  let unixfs: UnixFS
  try {
    pb = dagPb.decode(bytes)
    if (pb.Data === undefined) throw new Error('no UnixFS data')
    unixfs = UnixFS.unmarshal(pb.Data)
  } catch (error) {
    throw refuse(`block ${key} is not a UnixFS node: ${(error as Error).message}`)
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw')
    throw refuse(`block ${key} is a UnixFS ${unixfs.type}, not a file`)
  if (pb.Links.length !== unixfs.blockSizes.length) {
    throw refuse(`node ${key} has ${pb.Links.length} links but ${unixfs.blockSizes.length} block sizes`)
  }
  const data = unixfs.data ?? new Uint8Array(0)
  const children = pb.Links.map((link, i) => ({ cid: link.Hash as CID, size: Number(unixfs.blockSizes[i]) }))
  // What the node holds is what its parts add up to (as UnixFS.fileSize() counts it).
  const fileSize = data.length + children.reduce((sum, child) => sum + child.size, 0)
  return { data, children, fileSize }
}

/** Copies the part of `bytes` (at `offset` in the file) that falls in `span` into `out`. */
function copyOverlap(out: Uint8Array, span: { start: number; end: number }, bytes: Uint8Array, offset: number): void {
  const from = Math.max(span.start, offset)
  const to = Math.min(span.end, offset + bytes.length)
  if (from < to) out.set(bytes.subarray(from - offset, to - offset), from - span.start)
}

/** Passes `chunks` on while their total stays within `limit()`, which grows as blocks are asked for. */
async function* bounded(
  chunks: AsyncIterable<Uint8Array>,
  limit: () => number,
  context: FileContext,
): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of chunks) {
    total += chunk.length
    if (total > limit()) throw new ResponseTooLargeError(context, limit(), total)
    yield chunk
  }
}

/**
 * The CAR decoder fails with plain `Error`s: those are the answer's fault. Everything else (our typed
 * errors, timeouts, network errors) passes through as it is.
 */
function rethrowOr(error: unknown, otherwise: () => Error): unknown {
  return isCarDecoderError(error) ? otherwise() : error
}

/** Whether `error` is one the CAR decoder throws for bytes that are not a (whole) CAR: a plain `Error`. */
export function isCarDecoderError(error: unknown): boolean {
  return error instanceof Error && error.constructor === Error
}
