import { blake3Hasher, type CallOptions, type ContentAddressedStore } from '@hamt/core'
import { CarBlockIterator } from '@ipld/car/iterator'
import { equals } from 'multiformats/bytes'
import type { CID } from 'multiformats/cid'
import { type Block, blockLinks, checkBlock, DAG_CBOR, isInline, loadBlock } from './block.js'
import {
  CarError,
  CarFormatError,
  CarIncompleteError,
  CarTruncatedError,
  StoreMismatchError,
  UnsupportedBlockError,
} from './errors.js'
import { keyOf, SeenSet } from './seen-set.js'

/**
 * A store that can hold a block under a CID it did not compute: any hash function, any codec (a
 * blockstore's `put`). {@link importCar} uses it when the store has it; otherwise it saves with
 * `save` and requires the store to give the same CID (BLAKE3 blocks only).
 */
export interface BlockPutter {
  /** Stores `bytes` under `cid`; the caller has checked that they match. */
  putBlock(cid: CID, bytes: Uint8Array, options?: CallOptions): Promise<void>
}

/** Progress of {@link importCar}, reported after every block saved. */
export interface ImportProgress {
  /** Blocks saved so far. */
  blocks: number
  /** Their bytes. */
  bytes: number
}

/** Options of {@link importCar}. */
export interface ImportOptions extends CallOptions {
  /** Saves in flight at once. Default 8. */
  concurrency?: number
  /**
   * Refuse a CAR in which blocks reachable from its roots are missing (and not already in the store):
   * the only way to tell a CAR cut short on a block boundary from a whole one. Costs a multihash kept
   * per block (up to `seenLimit`) and the links waiting for their block. Default `true`.
   */
  checkComplete?: boolean
  /** Multihashes remembered for the completeness check; older ones are looked up in the store. Default 1,000,000. */
  seenLimit?: number
  /** Called after every block saved. */
  onProgress?: (progress: ImportProgress) => void
}

/** What {@link importCar} read. */
export interface ImportResult {
  /** The CAR's roots, from its header. */
  roots: CID[]
  /** Blocks saved (identity blocks, whose bytes are in their CID, are not). */
  blocks: number
  /** Their bytes. */
  bytes: number
}

const DEFAULT_CONCURRENCY = 8
const DEFAULT_SEEN_LIMIT = 1_000_000
const REPORTED_MISSING = 20

/**
 * Reads a CAR (v1 or v2) block by block, checks every block against its CID (BLAKE3-256 or
 * SHA2-256), and saves it in `cas`. Blocks are checked in the order they come and saved only once
 * checked, so a bad block stops the import with nothing after it saved; the saves already started are
 * awaited before the error is thrown. Memory holds at most `concurrency` blocks.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs'
 * import { InMemoryCAS } from '@hamt/cas-memory'
 * import { importCar } from '@hamt/car'
 *
 * const cas = new InMemoryCAS()
 * const { roots } = await importCar(cas, createReadStream('dataset.car'))
 * console.log(roots[0]?.toString())
 * ```
 *
 * @throws {CarTruncatedError} when the CAR stops inside its header or a block.
 * @throws {CarFormatError} when it is not a CAR.
 * @throws {BlockMismatchError} for a block whose bytes do not hash to its CID.
 * @throws {CarIncompleteError} (with `checkComplete`) when blocks reachable from its roots are missing.
 * @throws {UnsupportedBlockError} for a hash function other than BLAKE3-256, SHA2-256 or identity, a
 * SHA2-256 block for a store without `putBlock`, or (with `checkComplete`) a codec whose links
 * cannot be followed.
 * @throws {StoreMismatchError} when a store without `putBlock` saves a block under another CID.
 */
export async function importCar(
  cas: ContentAddressedStore & Partial<BlockPutter>,
  car: AsyncIterable<Uint8Array> | Uint8Array,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${String(concurrency)}`)
  }
  const { signal, onProgress } = options
  const checkComplete = options.checkComplete ?? true
  const callOptions = signal === undefined ? undefined : { signal }
  let blocksRead = 0
  const reader = await decodeErrors(
    () => (car instanceof Uint8Array ? CarBlockIterator.fromBytes(car) : CarBlockIterator.fromIterable(car)),
    () => blocksRead,
  )
  const roots = await reader.getRoots()
  const seen = new SeenSet(options.seenLimit ?? DEFAULT_SEEN_LIMIT)
  // Links met whose block has not come yet, by multihash.
  const awaited = new Map<string, CID>()
  for (const root of roots) awaited.set(keyOf(root), root)

  const inFlight = new Set<Promise<void>>()
  let saveFailure: { error: unknown } | undefined
  let blocks = 0
  let bytes = 0
  const save = async (block: Block): Promise<void> => {
    await saveBlock(cas, block, callOptions)
    blocks++
    bytes += block.bytes.length
    onProgress?.({ blocks, bytes })
  }
  try {
    const iterator = reader[Symbol.asyncIterator]()
    for (;;) {
      signal?.throwIfAborted()
      const next = await decodeErrors(
        () => iterator.next(),
        () => blocksRead,
      )
      if (next.done === true) break
      const block = next.value
      blocksRead++
      await checkBlock(block.cid, block.bytes, `number ${blocksRead} in the CAR`)
      if (checkComplete) {
        const key = keyOf(block.cid)
        seen.add(block.cid)
        awaited.delete(key)
        for (const link of blockLinks(block.cid, block.bytes)) {
          if (!seen.has(link)) awaited.set(keyOf(link), link)
        }
      }
      if (isInline(block.cid)) continue
      if (saveFailure !== undefined) break
      checkStorable(cas, block.cid)
      while (inFlight.size >= concurrency) await Promise.race(inFlight)
      const saving: Promise<void> = save(block).then(
        () => {
          inFlight.delete(saving)
        },
        (error: unknown) => {
          inFlight.delete(saving)
          saveFailure ??= { error }
        },
      )
      inFlight.add(saving)
    }
  } finally {
    // Whatever stopped the import, no save is left running behind the error.
    await Promise.allSettled([...inFlight])
  }
  if (saveFailure !== undefined) throw saveFailure.error
  if (checkComplete) await checkNothingMissing(cas, awaited, callOptions)
  return { roots, blocks, bytes }
}

/** A store without `putBlock` computes BLAKE3 CIDs, so it can only hold BLAKE3 blocks under their CID. */
function checkStorable(cas: ContentAddressedStore & Partial<BlockPutter>, cid: CID): void {
  if (typeof cas.putBlock === 'function' || cid.multihash.code === blake3Hasher.code) return
  throw new UnsupportedBlockError(
    cid,
    'it is not hashed with BLAKE3, and the store has no putBlock to hold it under its CID',
  )
}

async function saveBlock(
  cas: ContentAddressedStore & Partial<BlockPutter>,
  { cid, bytes }: Block,
  options: CallOptions | undefined,
): Promise<void> {
  if (typeof cas.putBlock === 'function') return cas.putBlock(cid, bytes, options)
  // Stores key blocks by multihash: a dag-pb node saved as raw is found again under its dag-pb CID.
  const stored = await cas.save(bytes, cid.code === DAG_CBOR ? 'dag-cbor' : 'raw', options)
  if (!equals(stored.multihash.bytes, cid.multihash.bytes)) throw new StoreMismatchError(cid, stored)
}

/** Every awaited link is a block the CAR did not hold: fine if the store has it already. */
async function checkNothingMissing(
  cas: ContentAddressedStore,
  awaited: Map<string, CID>,
  options: CallOptions | undefined,
): Promise<void> {
  const missing: CID[] = []
  let count = 0
  for (const cid of awaited.values()) {
    if (isInline(cid)) continue
    try {
      await loadBlock(cas, cid, options)
      continue
    } catch (error) {
      if (options?.signal?.aborted === true) throw error
    }
    count++
    if (missing.length < REPORTED_MISSING) missing.push(cid)
  }
  if (count > 0) throw new CarIncompleteError(missing, count)
}

/** Runs a step of the CAR decoder, turning its plain errors into typed ones. */
async function decodeErrors<T>(step: () => Promise<T>, blocksRead: () => number): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (error instanceof CarError) throw error
    const message = error instanceof Error ? error.message : String(error)
    if (/unexpected end of data/i.test(message)) throw new CarTruncatedError(blocksRead(), { cause: error })
    throw new CarFormatError(message, { cause: error })
  }
}
