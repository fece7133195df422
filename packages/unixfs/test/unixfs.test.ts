import { BlockNotFoundError, blake3Cid, InvalidRangeError } from '@hamt/core'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { equals } from 'multiformats/bytes'
import { describe, expect, it } from 'vitest'
import {
  DAG_PB,
  isBlockReader,
  KUBO_ADD_SETTINGS,
  NotAUnixFsFileError,
  readUnixFsFile,
  spansSeveralChunks,
  UNIXFS_THRESHOLD,
  writeUnixFsFile,
} from '../src/index.js'
import { MapBlocks, randomBytes } from './helpers.js'

const MiB = 1_048_576

describe('writeUnixFsFile', () => {
  it('writes 1 MiB raw leaves under a dag-pb root, every block BLAKE3-hashed', async () => {
    const data = randomBytes(3 * MiB + 17, 1)
    const store = new MapBlocks()
    const root = await writeUnixFsFile(data, store)
    expect(root.version).toBe(1)
    expect(root.code).toBe(DAG_PB)
    expect(root.multihash.code).toBe(0x1e)
    expect(store.blocks.size).toBe(5) // four leaves and the root
    const node = dagPb.decode(await store.loadBlock(root))
    const unixfs = UnixFS.unmarshal(node.Data as Uint8Array)
    expect(unixfs.type).toBe('file')
    expect(unixfs.fileSize()).toBe(BigInt(data.length))
    expect(unixfs.blockSizes).toEqual([BigInt(MiB), BigInt(MiB), BigInt(MiB), 17n])
    for (const [i, link] of node.Links.entries()) {
      // Leaves are raw, named by the BLAKE3 CID of their bytes.
      const leaf = data.subarray(i * MiB, Math.min(data.length, (i + 1) * MiB))
      expect(link.Hash.equals(blake3Cid(leaf, 'raw'))).toBe(true)
      expect(link.Tsize).toBe(leaf.length)
    }
  })

  it('gives one chunk its raw CID, as Kubo does', async () => {
    const data = randomBytes(MiB, 2)
    const store = new MapBlocks()
    const root = await writeUnixFsFile(data, store)
    expect(root.equals(blake3Cid(data, 'raw'))).toBe(true)
    expect(store.blocks.size).toBe(1)
  })

  it('balances more than 174 leaves under intermediate nodes', async () => {
    // 175 chunks of 1 MiB: the root links a full node of 174 leaves and a node of one.
    const chunk = randomBytes(MiB, 3)
    const data = new Uint8Array(175 * MiB)
    for (let i = 0; i < 175; i++) {
      data.set(chunk, i * MiB)
      data[i * MiB] = i // distinct leaves
    }
    const store = new MapBlocks()
    const root = await writeUnixFsFile(data, store)
    const top = dagPb.decode(await store.loadBlock(root))
    expect(top.Links).toHaveLength(2)
    const [first, second] = top.Links
    expect(first?.Hash.code).toBe(DAG_PB)
    expect(dagPb.decode(await store.loadBlock(first!.Hash)).Links).toHaveLength(KUBO_ADD_SETTINGS.maxChildrenPerNode)
    expect(dagPb.decode(await store.loadBlock(second!.Hash)).Links).toHaveLength(1)
    const tail = await readUnixFsFile(root, store, { suffix: MiB + 5 })
    expect(equals(tail, data.subarray(data.length - MiB - 5))).toBe(true)
  })

  it('honours an aborted signal', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(writeUnixFsFile(randomBytes(2 * MiB, 4), new MapBlocks(), controller)).rejects.toThrow('stop')
  })
})

describe('readUnixFsFile', () => {
  it('reads the whole file and ranges, touching only the leaves a range covers', async () => {
    const data = randomBytes(5 * MiB + 3, 5)
    const store = new MapBlocks()
    const root = await writeUnixFsFile(data, store)
    expect(equals(await readUnixFsFile(root, store), data)).toBe(true)

    store.reads = 0
    const middle = await readUnixFsFile(root, store, { offset: 2 * MiB - 10, length: 20 })
    expect(equals(middle, data.subarray(2 * MiB - 10, 2 * MiB + 10))).toBe(true)
    expect(store.reads).toBe(3) // the root and the two leaves around the boundary

    expect(equals(await readUnixFsFile(root, store, { suffix: 7 }), data.subarray(data.length - 7))).toBe(true)
    expect(equals(await readUnixFsFile(root, store, { offset: 5 * MiB }), data.subarray(5 * MiB))).toBe(true)
    expect(await readUnixFsFile(root, store, { offset: data.length })).toHaveLength(0)
    expect(await readUnixFsFile(root, store, { offset: 4, length: 0 })).toHaveLength(0)
    await expect(readUnixFsFile(root, store, { offset: data.length + 1 })).rejects.toBeInstanceOf(InvalidRangeError)
  })

  it('reads a single raw block too', async () => {
    const data = randomBytes(1000, 6)
    const store = new MapBlocks()
    const root = await writeUnixFsFile(data, store)
    expect(equals(await readUnixFsFile(root, store, { offset: 10, length: 5 }), data.subarray(10, 15))).toBe(true)
  })

  it('passes the store’s not-found error through, naming the missing leaf', async () => {
    const data = randomBytes(2 * MiB + 1, 7)
    const store = new MapBlocks()
    const root = await writeUnixFsFile(data, store)
    const leaf = blake3Cid(data.subarray(MiB, 2 * MiB), 'raw')
    store.blocks.delete([...store.blocks.entries()].find(([, b]) => b.cid.equals(leaf))![0])
    const error = await readUnixFsFile(root, store).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockNotFoundError)
    expect((error as BlockNotFoundError).cid.equals(leaf)).toBe(true)
    // A range that avoids the missing leaf still reads.
    expect(equals(await readUnixFsFile(root, store, { offset: 0, length: 10 }), data.subarray(0, 10))).toBe(true)
  })

  it('refuses a directory or a block that is not dag-pb, with a typed error', async () => {
    const store = new MapBlocks()
    const dirBytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [] }))
    const { CID } = await import('multiformats/cid')
    const { blake3Hasher } = await import('@hamt/core')
    const dir = CID.createV1(DAG_PB, await blake3Hasher.digest(dirBytes))
    await store.putBlock(dir, dirBytes)
    const error = await readUnixFsFile(dir, store).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotAUnixFsFileError)
    expect((error as NotAUnixFsFileError).code).toBe('ERR_NOT_A_UNIXFS_FILE')
    expect((error as Error).message).toContain(dir.toString())
    expect((error as Error).message).toContain('directory')

    const garbage = new Uint8Array([1, 2, 3])
    const bad = CID.createV1(DAG_PB, await blake3Hasher.digest(garbage))
    await store.putBlock(bad, garbage)
    await expect(readUnixFsFile(bad, store)).rejects.toBeInstanceOf(NotAUnixFsFileError)
  })

  it('refuses a file whose leaves hold less than its root says', async () => {
    const { CID } = await import('multiformats/cid')
    const { blake3Hasher } = await import('@hamt/core')
    const store = new MapBlocks()
    const leaf = randomBytes(100, 9)
    const leafCid = blake3Cid(leaf, 'raw')
    await store.putBlock(leafCid, leaf)
    // A root claiming 200 bytes in one leaf of 100.
    const unixfs = new UnixFS({ type: 'file' })
    unixfs.addBlockSize(200n)
    const rootBytes = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: [{ Hash: leafCid, Tsize: 100 }] }))
    const root = CID.createV1(DAG_PB, await blake3Hasher.digest(rootBytes))
    await store.putBlock(root, rootBytes)
    await expect(readUnixFsFile(root, store)).rejects.toBeInstanceOf(NotAUnixFsFileError)
  })

  it('honours an aborted signal', async () => {
    const store = new MapBlocks()
    const root = await writeUnixFsFile(randomBytes(2 * MiB, 8), store)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(readUnixFsFile(root, store, undefined, controller)).rejects.toThrow('stop')
  })
})

describe('settings', () => {
  it('splits above 1 MiB, as Kubo with size-1048576', () => {
    expect(UNIXFS_THRESHOLD).toBe(MiB)
    expect(spansSeveralChunks(MiB)).toBe(false)
    expect(spansSeveralChunks(MiB + 1)).toBe(true)
    expect(isBlockReader(new MapBlocks())).toBe(true)
    expect(isBlockReader({ load: () => undefined })).toBe(false)
    expect(isBlockReader(null)).toBe(false)
  })
})
