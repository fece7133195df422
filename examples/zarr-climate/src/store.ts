/**
 * The demo's default store: blockstore-fs (one file per block, as Kubo's flatfs keeps them) through
 * `BlockstoreCAS`, so the dataset outlives the process and has the CIDs Kubo gives; beside it, a
 * small text file naming the root of the last dataset written, so a later run can reopen it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BlockstoreCAS } from '@hamt/cas-blockstore'
import { CID } from '@hamt/core'
import { FsBlockstore } from 'blockstore-fs'

/** A dataset folder: `blocks/` (blockstore-fs) and `root` (the CID of the last dataset saved). */
export class LocalDatasetStore {
  /** The folder. */
  readonly directory: string
  /** Where the blocks are: a blockstore-fs directory. */
  readonly blocksDirectory: string
  /** The store to build a HAMT or sharded store on. */
  readonly cas: BlockstoreCAS
  readonly #blockstore: FsBlockstore

  private constructor(directory: string, blockstore: FsBlockstore) {
    this.directory = directory
    this.blocksDirectory = blockstore.path
    this.#blockstore = blockstore
    this.cas = new BlockstoreCAS(blockstore, { name: `blockstore-fs at ${blockstore.path}` })
  }

  /** Opens (creating if needed) the dataset folder `directory`. */
  static async open(directory: string): Promise<LocalDatasetStore> {
    await mkdir(directory, { recursive: true })
    const blockstore = new FsBlockstore(path.join(directory, 'blocks'))
    await blockstore.open()
    return new LocalDatasetStore(directory, blockstore)
  }

  /** The root saved by {@link setRoot}, or `undefined` when none was. */
  async getRoot(): Promise<CID | undefined> {
    let text: string
    try {
      text = await readFile(this.#rootFile, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    try {
      return CID.parse(text.trim())
    } catch (cause) {
      throw new Error(`${this.#rootFile} does not hold a CID: ${JSON.stringify(text.slice(0, 80))}`, { cause })
    }
  }

  /** Records `root` as the dataset to reopen; written to a temporary file and renamed, so never half-written. */
  async setRoot(root: CID): Promise<void> {
    const temporary = `${this.#rootFile}.${process.pid}.tmp`
    await writeFile(temporary, `${root.toString()}\n`)
    await rename(temporary, this.#rootFile)
  }

  /** Closes the blockstore. */
  async close(): Promise<void> {
    await this.#blockstore.close()
  }

  get #rootFile(): string {
    return path.join(this.directory, 'root')
  }
}
