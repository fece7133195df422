import type { Block } from '@hamt/core'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CID } from 'multiformats/cid'
import { BLOCK_OVERHEAD, HEADER_BYTES, isCarDecoderError, MAX_BLOCK_BYTES } from './car-file.js'
import { IntegrityError, type RequestContext, ResponseTooLargeError } from './errors.js'
import { canVerify, mismatch } from './verify.js'

/** What a path CAR gave. */
export type PathCar =
  | {
      /** The blocks that hash to their CIDs, each once: the root's first when it came, then as they came. */
      blocks: Block[]
      /** Whether the root's block was among them. */
      hasRoot: boolean
      /** Whether the CAR was read to its end, neither cut short nor malformed. */
      complete: boolean
    }
  /** The body is not a CAR at all (its header does not parse): the gateway does not serve path CARs. */
  | 'not-a-car'

/**
 * Reads the CAR a trustless gateway sends for `/ipfs/{root}/{path}?dag-scope=block`: the blocks
 * met along the path, which no more than `maxBlocks` (the path's length plus one) can be. Trusts
 * nothing but CIDs, and bounds memory whatever the gateway sends:
 *
 * - every block is hashed against its CID: a mismatch is an {@link IntegrityError}; a block whose
 *   hash function is not implemented here cannot be checked and is dropped; one larger than a block
 *   can be is a {@link ResponseTooLargeError};
 * - the body is read no further than `maxBlocks` blocks of at most 2 MiB could take, and no longer
 *   than `maxBlocks` blocks: what came until then is kept, the connection closed. A CAR that breaks
 *   off or turns malformed after its header ends the same way. The caller gets fewer blocks, never
 *   more memory used: blocks are worth having only when whole and checked, and each is.
 *
 * The CAR header's roots are ignored, as the trustless gateway spec asks of clients (a gateway puts
 * the empty identity CID there when the path does not resolve).
 */
export async function readPathCar(
  chunks: AsyncIterable<Uint8Array>,
  root: CID,
  maxBlocks: number,
  context: Pick<RequestContext, 'url' | 'cid'>,
): Promise<PathCar> {
  const source = upTo(chunks, HEADER_BYTES + maxBlocks * (MAX_BLOCK_BYTES + BLOCK_OVERHEAD))
  try {
    return await readBlocks(source, root, maxBlocks, context)
  } finally {
    await source.close()
  }
}

async function readBlocks(
  source: CappedSource,
  root: CID,
  maxBlocks: number,
  context: Pick<RequestContext, 'url' | 'cid'>,
): Promise<PathCar> {
  // Only the decoder's own errors say something about the CAR; the body's (a timeout, an abort, a
  // network error) pass through whatever they are.
  const isMalformed = (error: unknown): boolean => error !== source.failure && isCarDecoderError(error)
  let iterator: CarBlockIterator
  try {
    iterator = await CarBlockIterator.fromIterable(source)
  } catch (error) {
    if (isMalformed(error)) return 'not-a-car'
    throw error
  }
  const rootKey = root.toString()
  const kept = new Map<string, Block>()
  let complete = false
  try {
    for await (const block of iterator) {
      if (block.bytes.length > MAX_BLOCK_BYTES) {
        throw new ResponseTooLargeError(context, MAX_BLOCK_BYTES, block.bytes.length)
      }
      const cid = CID.asCID(block.cid) ?? CID.decode(block.cid.bytes)
      const key = cid.toString()
      if (kept.has(key) || !canVerify(cid)) continue
      const actual = await mismatch(cid, block.bytes)
      if (actual !== undefined) throw new IntegrityError(cid, context.url, actual)
      kept.set(key, { cid: key === rootKey ? root : cid, bytes: ownBytes(block.bytes) })
      if (kept.size >= maxBlocks) break
    }
    complete = kept.size < maxBlocks
  } catch (error) {
    // A CAR cut short (by the cap, or by the gateway) or malformed past its header: keep what came.
    if (!isMalformed(error)) throw error
  }
  const first = kept.get(rootKey)
  if (first === undefined) return { blocks: [...kept.values()], hasRoot: false, complete }
  kept.delete(rootKey)
  return { blocks: [first, ...kept.values()], hasRoot: true, complete }
}

/** A body's chunks up to a limit, what made reading them fail (if anything did), and a way to stop. */
interface CappedSource extends AsyncIterable<Uint8Array> {
  readonly failure: unknown
  /** Stops reading the body (which closes its connection), if it is not read to its end yet. */
  close(): Promise<void>
}

/**
 * Passes `chunks` on up to `limit` bytes in all, then stops reading them. The CAR decoder pulls
 * chunks without ever closing its source, so the body is closed here, by `close()`.
 */
function upTo(chunks: AsyncIterable<Uint8Array>, limit: number): CappedSource {
  const body = chunks[Symbol.asyncIterator]()
  let open = true
  const close = async (): Promise<void> => {
    if (!open) return
    open = false
    await body.return?.()
  }
  const source = {
    failure: undefined as unknown,
    close,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      let total = 0
      while (open) {
        let next: IteratorResult<Uint8Array>
        try {
          next = await body.next()
        } catch (error) {
          open = false
          source.failure = error
          throw error
        }
        if (next.done === true) {
          open = false
          return
        }
        const chunk = next.value
        if (total + chunk.length >= limit) {
          await close()
          yield chunk.subarray(0, limit - total)
          return
        }
        total += chunk.length
        yield chunk
      }
    },
  }
  return source
}

/**
 * `bytes` in a buffer of their own: the CAR decoder hands out views into its read buffers, which a
 * block kept in a cache would keep alive whole.
 */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}
