import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { FsBlockstore } from 'blockstore-fs'
import type { Blockstore } from 'interface-blockstore'

export { concatBytes } from '../../../tools/test-support/collect.js'
export { randomBytes } from '../../../tools/test-support/random-bytes.js'

/** A real blockstore to run a test on, and how to clean it up. */
export interface BlockstoreFixture {
  blockstore: Blockstore
  /** blockstore-fs only: its directory. */
  dir?: string
  cleanup(): Promise<void>
}

/** blockstore-fs in a fresh temporary directory (opened), removed by `cleanup`. */
export async function fsBlockstore(): Promise<BlockstoreFixture & { blockstore: FsBlockstore; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hamt-cas-blockstore-'))
  const blockstore = new FsBlockstore(dir)
  await blockstore.open()
  return {
    blockstore,
    dir,
    async cleanup() {
      await blockstore.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** blockstore-core's MemoryBlockstore. */
export async function memoryBlockstore(): Promise<BlockstoreFixture> {
  return { blockstore: new MemoryBlockstore(), async cleanup() {} }
}
