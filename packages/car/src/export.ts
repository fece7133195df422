import type { ContentAddressedStore } from '@hamt/core'
import { CarWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'
import { type WalkOptions, walkDag } from './walk.js'

/** Options of {@link exportCar}: those of the walk (concurrency, verify, progress, signal). */
export type ExportOptions = Omit<WalkOptions, 'onBlockError'>

/**
 * Streams every block reachable from `root` as a CARv1 whose one root is `root`: HAMT nodes and
 * values, sharded roots and shards, UnixFS files. Blocks are read as the output is consumed (a slow
 * consumer slows the walk), and at most `concurrency` blocks are held at once (see {@link walkDag}).
 * A block shared by several parents is written once. Every block is checked against its CID first,
 * unless `verify: false`.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs'
 * import { Readable } from 'node:stream'
 * import { pipeline } from 'node:stream/promises'
 * import type { CID, ContentAddressedStore } from '@hamt/core'
 * import { exportCar } from '@hamt/car'
 *
 * async function save(cas: ContentAddressedStore, root: CID) {
 *   await pipeline(Readable.from(exportCar(cas, root)), createWriteStream('dataset.car'))
 * }
 * ```
 *
 * @throws what {@link walkDag} throws; the stream then ends with the error, never with a short CAR
 * that looks whole.
 */
export async function* exportCar(
  cas: ContentAddressedStore,
  root: CID,
  options: ExportOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { writer, out } = CarWriter.create([root])
  const stop = new AbortController()
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal])
  let failure: { error: unknown } | undefined
  // The walk runs beside the reader: `put` resolves once the reader has taken the block, so at most
  // one block waits in the writer and the walk advances only as fast as the CAR is consumed.
  const producing = (async () => {
    try {
      for await (const block of walkDag(cas, root, { ...options, signal })) await writer.put(block)
    } catch (error) {
      failure = { error }
    } finally {
      await writer.close()
    }
  })()
  try {
    // After a failure the rest is drained unread (the writer's close waits for it), then thrown.
    for await (const chunk of out) if (failure === undefined) yield chunk
    await producing
    if (failure !== undefined) throw failure.error
  } finally {
    // The reader stopped early (or failed): stop loading blocks nobody will read.
    stop.abort()
  }
}
