import type { CallOptions } from '@hamt/core'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'
import type { BlockWriter } from './blocks.js'
import { Blake3Relabeller } from './relabel.js'
import { KUBO_ADD_SETTINGS } from './settings.js'

/**
 * Writes `data` as Kubo's `add` does with py-hamt's settings ({@link KUBO_ADD_SETTINGS}): 1 MiB raw
 * leaves under a balanced tree of UnixFS nodes with at most 174 links each, every block BLAKE3-hashed.
 * Returns the root: a dag-pb CIDv1 for data over one chunk, the single raw leaf's CID otherwise,
 * exactly the CID Kubo's `add` returns for the same bytes.
 *
 * Blocks go to `target` children first, so a reader never meets a link to a missing block once the
 * root is returned. Leaves are views of `data`, not copies: a target that keeps them needs `data`
 * unchanged afterwards (the stores pass a copy).
 */
export async function writeUnixFsFile(data: Uint8Array, target: BlockWriter, options?: CallOptions): Promise<CID> {
  options?.signal?.throwIfAborted()
  const relabeller = new Blake3Relabeller(target, options)
  const result = await importBytes(data, relabeller, {
    chunker: fixedSize({ chunkSize: KUBO_ADD_SETTINGS.chunkSize }),
    layout: balanced({ maxChildrenPerNode: KUBO_ADD_SETTINGS.maxChildrenPerNode }),
    rawLeaves: KUBO_ADD_SETTINGS.rawLeaves,
    cidVersion: KUBO_ADD_SETTINGS.cidVersion,
    reduceSingleLeafToSelf: true,
    ...(options?.signal === undefined ? {} : { signal: options.signal }),
  })
  return relabeller.resolve(result.cid)
}
