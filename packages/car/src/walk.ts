import type { CallOptions, ContentAddressedStore } from '@hamt/core'
import type { CID } from 'multiformats/cid'
import { type Block, blockLinks, checkBlock, loadBlock } from './block.js'
import { SeenSet } from './seen-set.js'

/** Progress of a walk, reported after every block. */
export interface WalkProgress {
  /** Blocks yielded so far. */
  blocks: number
  /** Their bytes. */
  bytes: number
  /** Blocks being loaded or loaded and not yet yielded: never more than `concurrency`. */
  queued: number
  /** Links found and not yet loaded (CIDs only, no bytes). */
  pending: number
}

/** Options of {@link walkDag}. */
export interface WalkOptions extends CallOptions {
  /** Blocks loaded ahead of the one being yielded, at most; the bound on block bytes held. Default 16. */
  concurrency?: number
  /** Check every block against its CID before yielding it. Default `true`. */
  verify?: boolean
  /**
   * Multihashes remembered to visit a block shared by several parents once. Past this many the oldest
   * are forgotten (a forgotten block met again is visited again). Default 1,000,000 (about 100 MB).
   */
  seenLimit?: number
  /** Called after every block yielded. */
  onProgress?: (progress: WalkProgress) => void
  /**
   * Called with the failure to load, verify or decode a block; the walk then skips that block (and what
   * only it links to) and goes on. Without it the walk throws the first failure.
   */
  onBlockError?: (error: unknown, cid: CID) => void
}

const DEFAULT_CONCURRENCY = 16
const DEFAULT_SEEN_LIMIT = 1_000_000
const ignore = (): void => {}

/**
 * Every block reachable from `root`, each once, depth first (parents before children, children in
 * link order): HAMT nodes and values, sharded roots and shards, UnixFS files (dag-pb nodes and raw
 * leaves). Memory is bounded whatever the DAG's size: at most `concurrency` blocks are held, the
 * links waiting to be followed are CIDs (depth × fan-out of them), and the set of visited
 * multihashes is capped by `seenLimit`.
 *
 * @throws {BlockMismatchError} when a loaded block does not hash to its CID (with `verify`).
 * @throws {UnsupportedBlockError} for a hash function or codec this package does not know.
 * @throws {BlockDecodeError} for a block that does not decode.
 * @throws what the store throws for a missing block (`BlockNotFoundError` of `@hamt/core`, …).
 */
export async function* walkDag(
  cas: ContentAddressedStore,
  root: CID,
  options: WalkOptions = {},
): AsyncGenerator<Block, void, undefined> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${String(concurrency)}`)
  }
  const verify = options.verify ?? true
  const { signal, onProgress, onBlockError } = options
  const seen = new SeenSet(options.seenLimit ?? DEFAULT_SEEN_LIMIT)
  // Links still to follow, as a stack: the next one popped is the first child of the latest block.
  const stack: CID[] = [root]
  // Blocks in flight, in the order they are yielded: loading starts ahead, yielding keeps the order.
  const window: { cid: CID; block: Promise<{ bytes: Uint8Array; links: CID[] }> }[] = []
  let blocks = 0
  let bytes = 0
  try {
    while (stack.length > 0 || window.length > 0) {
      while (window.length < concurrency && stack.length > 0) {
        const cid = stack.pop() as CID
        if (!seen.add(cid)) continue
        const block = readBlock(cas, cid, verify, signal)
        block.catch(ignore)
        window.push({ cid, block })
      }
      const next = window.shift()
      if (next === undefined) break
      let read: { bytes: Uint8Array; links: CID[] }
      try {
        read = await next.block
      } catch (error) {
        if (onBlockError === undefined || signal?.aborted === true) throw error
        onBlockError(error, next.cid)
        continue
      }
      for (let i = read.links.length - 1; i >= 0; i--) stack.push(read.links[i] as CID)
      blocks++
      bytes += read.bytes.length
      onProgress?.({ blocks, bytes, queued: window.length, pending: stack.length })
      yield { cid: next.cid, bytes: read.bytes }
    }
  } finally {
    for (const entry of window) entry.block.catch(ignore)
  }
}

async function readBlock(
  cas: ContentAddressedStore,
  cid: CID,
  verify: boolean,
  signal: AbortSignal | undefined,
): Promise<{ bytes: Uint8Array; links: CID[] }> {
  const bytes = await loadBlock(cas, cid, signal === undefined ? undefined : { signal })
  if (verify) await checkBlock(cid, bytes, 'loaded from the store')
  return { bytes, links: blockLinks(cid, bytes) }
}
