import { InMemoryCAS } from '@hamt/cas-memory'
import { CID, HAMT } from '@hamt/core'
import { CarIndexer } from '@ipld/car/indexer'
import { CarWriter } from '@ipld/car/writer'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { describe, expect, test } from 'vitest'
import {
  BlockMismatchError,
  CarFormatError,
  CarIncompleteError,
  CarTruncatedError,
  exportCar,
  type ImportProgress,
  importCar,
  StoreMismatchError,
  UnsupportedBlockError,
} from '../src/index.js'
import { BlockstoreTestCAS, collect, concat, hamtDataset, linkBlock, shardedDataset } from './helpers.js'

/** Offsets of each block of a CAR, as @ipld/car's indexer reads them. */
async function sections(car: Uint8Array) {
  const indexer = await CarIndexer.fromBytes(car)
  return collect(indexer)
}

/** A CAR of `blocks` under `roots`, written by @ipld/car itself (so it can hold what exportCar never writes). */
async function writeCar(roots: CID[], blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const bytes = concat(out)
  for (const block of blocks) await writer.put(block)
  await writer.close()
  return bytes
}

/** A stream of `bytes` in small chunks, as a file or socket gives them. */
async function* chunked(bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

describe('importCar', () => {
  test('round trip of a HAMT into a fresh store: same root, same values, progress reported', async () => {
    const source = new InMemoryCAS()
    const root = await hamtDataset(source, 2000)
    const car = await concat(exportCar(source, root))
    const target = new InMemoryCAS()
    const progress: ImportProgress[] = []
    const result = await importCar(target, chunked(car), { onProgress: (p) => progress.push(p) })
    expect(result.roots.map(String)).toEqual([root.toString()])
    expect(result.blocks).toBe(source.blockCount)
    expect(target.blockCount).toBe(source.blockCount)
    expect(result.bytes).toBe(source.byteLength)
    expect(progress.at(-1)).toEqual({ blocks: result.blocks, bytes: result.bytes })
    const hamt = await HAMT.build({ cas: target, rootNodeId: result.roots[0] as CID, readOnly: true })
    expect(await hamt.size()).toBe(2000)
    expect(await hamt.get('key-1234')).toEqual({ n: 1234, label: 'value 1234' })
  })

  test('round trip of a sharded dataset, from a Uint8Array', async () => {
    const source = new InMemoryCAS()
    const root = await shardedDataset(source)
    const target = new InMemoryCAS()
    const result = await importCar(target, await concat(exportCar(source, root)))
    expect(result.roots[0]?.equals(root)).toBe(true)
    expect(target.blockCount).toBe(source.blockCount)
    for await (const block of exportCar(target, root)) expect(block.length).toBeGreaterThan(0)
  })

  test('SHA2-256 UnixFS blocks go to a store with putBlock, and are refused, with nothing saved, by one without', async () => {
    const source = new BlockstoreTestCAS()
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 2654435761) >>> 24)
    const file = (
      await importBytes(bytes, source.blockstore, {
        chunker: fixedSize({ chunkSize: 65536 }),
        rawLeaves: true,
        cidVersion: 1,
      })
    ).cid
    const root = await linkBlock(source, { file })
    const car = await concat(exportCar(source, root))
    const target = new BlockstoreTestCAS()
    const result = await importCar(target, chunked(car))
    expect(result.blocks).toBe(1 + 1 + 4)
    expect(target.puts.some((cid) => cid.equals(file))).toBe(true)
    // InMemoryCAS holds any block too; a store with only save and load cannot.
    const memory = new InMemoryCAS()
    await importCar(memory, chunked(car))
    expect(memory.has(file)).toBe(true)
    const inner = new InMemoryCAS()
    const noPut = { save: inner.save.bind(inner), load: inner.load.bind(inner), blockCount: () => inner.blockCount }
    const error = await importCar(noPut, chunked(car)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnsupportedBlockError)
    expect((error as UnsupportedBlockError).code).toBe('ERR_UNSUPPORTED_BLOCK')
    // The root (BLAKE3, first in the CAR) is saved; the first SHA2-256 block and all after are not.
    expect(noPut.blockCount()).toBe(1)
  })

  test('a CAR cut short inside a block: CarTruncatedError, and only the whole blocks before the cut saved', async () => {
    const source = new InMemoryCAS()
    const root = await hamtDataset(source, 500)
    const car = await concat(exportCar(source, root))
    const index = await sections(car)
    const cutBlock = index[Math.floor(index.length / 2)]!
    for (const cut of [cutBlock.blockOffset + 3, cutBlock.offset + 1]) {
      const target = new InMemoryCAS()
      const error = await importCar(target, chunked(car.subarray(0, cut))).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CarTruncatedError)
      expect((error as CarTruncatedError).code).toBe('ERR_CAR_TRUNCATED')
      expect((error as CarTruncatedError).blocksRead).toBe(Math.floor(index.length / 2))
      for (const [i, entry] of index.entries()) expect(target.has(entry.cid)).toBe(i < Math.floor(index.length / 2))
    }
  })

  test('a CAR cut on a block boundary: CarIncompleteError naming missing blocks, unless the store has them', async () => {
    const source = new InMemoryCAS()
    const root = await hamtDataset(source, 500)
    const car = await concat(exportCar(source, root))
    const index = await sections(car)
    const cut = index[index.length - 3]!.offset
    const target = new InMemoryCAS()
    const error = await importCar(target, car.subarray(0, cut)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CarIncompleteError)
    expect((error as CarIncompleteError).missingCount).toBe(3)
    expect((error as CarIncompleteError).missing.map(String).sort()).toEqual(
      index
        .slice(-3)
        .map((e) => e.cid.toString())
        .sort(),
    )
    // The rest arrives in a second CAR: it completes what the store holds.
    const rest = await writeCar(
      [root],
      await Promise.all(index.slice(-3).map(async (e) => ({ cid: e.cid, bytes: await source.load(e.cid) }))),
    )
    await expect(importCar(target, rest)).resolves.toMatchObject({ blocks: 3 })
    // And a partial CAR is accepted when asked.
    await expect(importCar(new InMemoryCAS(), car.subarray(0, cut), { checkComplete: false })).resolves.toMatchObject({
      blocks: index.length - 3,
    })
  })

  test('a tampered block: BlockMismatchError, nothing from it onwards saved', async () => {
    const source = new InMemoryCAS()
    const root = await hamtDataset(source, 500)
    const car = await concat(exportCar(source, root))
    const index = await sections(car)
    const bad = 40
    const entry = index[bad]!
    const tampered = car.slice()
    tampered[entry.blockOffset + entry.blockLength - 1]! ^= 0x01
    const target = new InMemoryCAS()
    const error = await importCar(target, chunked(tampered), { concurrency: 16 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockMismatchError)
    expect((error as BlockMismatchError).code).toBe('ERR_BLOCK_MISMATCH')
    expect((error as BlockMismatchError).cid.equals(entry.cid)).toBe(true)
    expect((error as Error).message).toContain(`number ${bad + 1} in the CAR`)
    expect(target.blockCount).toBe(bad)
    for (const [i, e] of index.entries()) expect(target.has(e.cid)).toBe(i < bad)
  })

  test('bytes that are not a CAR: CarFormatError; an empty stream: CarTruncatedError', async () => {
    const garbage = new Uint8Array([0x0a, 0xa1, 0x61, 0x78, 0x01, 0, 0, 0, 0, 0, 0])
    await expect(importCar(new InMemoryCAS(), garbage)).rejects.toBeInstanceOf(CarFormatError)
    await expect(importCar(new InMemoryCAS(), chunked(new Uint8Array(0)))).rejects.toBeInstanceOf(CarTruncatedError)
  })

  test('a store that names a block otherwise: StoreMismatchError', async () => {
    const source = new InMemoryCAS()
    const value = await source.save(new Uint8Array([9, 9, 9]), 'raw')
    const car = await writeCar([value], [{ cid: value, bytes: new Uint8Array([9, 9, 9]) }])
    const renaming = {
      save: async () => CID.parse('bafkr4ihkr4ld3m4gqkjf4reryxsy2s5tkbxprqkow6fin2iiyvreuzzab4'),
      load: (cid: CID) => source.load(cid),
    }
    await expect(importCar(renaming, car)).rejects.toBeInstanceOf(StoreMismatchError)
  })

  test('a failing save stops the import with its error; bad options are refused', async () => {
    const source = new InMemoryCAS()
    const root = await hamtDataset(source, 200)
    const car = await concat(exportCar(source, root))
    const failing = {
      save: async () => {
        throw new Error('disk full')
      },
      load: (cid: CID) => source.load(cid),
    }
    await expect(importCar(failing, car)).rejects.toThrow('disk full')
    await expect(importCar(new InMemoryCAS(), car, { concurrency: 0 })).rejects.toThrow(RangeError)
    const aborted = AbortSignal.abort()
    await expect(importCar(new InMemoryCAS(), car, { signal: aborted })).rejects.toThrow()
  })

  test('identity blocks are checked and not saved', async () => {
    const { identity } = await import('multiformats/hashes/identity')
    const bytes = new TextEncoder().encode('inline')
    const inline = CID.createV1(0x55, identity.digest(bytes))
    const store = new InMemoryCAS()
    const root = await linkBlock(store, { inline })
    const car = await writeCar(
      [root],
      [
        { cid: root, bytes: await store.load(root) },
        { cid: inline, bytes },
      ],
    )
    const target = new InMemoryCAS()
    await expect(importCar(target, car)).resolves.toMatchObject({ blocks: 1 })
    expect(await collect(exportCar(target, root))).not.toHaveLength(0)
  })
})
