import { InMemoryCAS } from '@hamt/cas-memory'
import { BlockNotFoundError, CID, HAMT } from '@hamt/core'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CarReader } from '@ipld/car/reader'
import { importBytes } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { describe, expect, test } from 'vitest'
import {
  BlockDecodeError,
  BlockMismatchError,
  checkBlock,
  exportCar,
  importCar,
  UnsupportedBlockError,
  type WalkProgress,
  walkDag,
} from '../src/index.js'
import {
  BlockstoreTestCAS,
  blake3UnixfsFile,
  collect,
  concat,
  FakeFaultyCAS,
  hamtDataset,
  keyOf,
  linkBlock,
  shardedDataset,
} from './helpers.js'

/** Every block of `car` by CID string, as @ipld/car's own reader sees it. */
async function readCar(car: Uint8Array): Promise<{ roots: CID[]; blocks: Map<string, Uint8Array> }> {
  const reader = await CarReader.fromBytes(car)
  const blocks = new Map<string, Uint8Array>()
  for await (const block of reader.blocks()) blocks.set(block.cid.toString(), block.bytes)
  return { roots: await reader.getRoots(), blocks }
}

describe('exportCar', () => {
  test('a HAMT: a CARv1 with its root, every block of the store once, read back by CarReader', async () => {
    const cas = new InMemoryCAS()
    const root = await hamtDataset(cas, 3000)
    const { roots, blocks } = await readCar(await concat(exportCar(cas, root)))
    expect(roots.map(String)).toEqual([root.toString()])
    // fromEntries leaves nothing but the tree in the store: the CAR must hold exactly the store.
    expect(blocks.size).toBe(cas.blockCount)
    expect([...blocks.keys()][0]).toBe(root.toString())
    for (const [cid, bytes] of blocks) {
      const stored = await cas.load(CID.parse(cid))
      expect(bytes).toEqual(stored)
    }
  })

  test('a sharded dataset: root, shards, metadata and chunks', async () => {
    const cas = new InMemoryCAS()
    const root = await shardedDataset(cas)
    const { roots, blocks } = await readCar(await concat(exportCar(cas, root)))
    expect(roots[0]?.equals(root)).toBe(true)
    // 1 root + 4 shards + 64 chunks + zarr.json of the group and of the array.
    expect(blocks.size).toBe(1 + 4 + 64 + 2)
    expect(blocks.size).toBe(cas.blockCount)
  })

  test('UnixFS values: dag-pb nodes and raw leaves, BLAKE3 and SHA2-256', async () => {
    const cas = new BlockstoreTestCAS()
    const bytes = new Uint8Array(3 * 65536 + 100).map((_, i) => (i * 2654435761) >>> 24) // no two chunks alike
    const blake3File = await blake3UnixfsFile(cas, bytes, 65536)
    const sha256File = (
      await importBytes(bytes, cas.blockstore, {
        chunker: fixedSize({ chunkSize: 65536 }),
        rawLeaves: true,
        cidVersion: 1,
      })
    ).cid
    const hamt = await HAMT.build({ cas })
    await hamt.set('small', { text: 'hello' })
    await hamt.makeReadOnly()
    const root = await linkBlock(cas, { blake3File, sha256File, hamt: hamt.rootNodeId })
    const { blocks } = await readCar(await concat(exportCar(cas, root)))
    expect(blocks.has(blake3File.toString())).toBe(true)
    expect(blocks.has(sha256File.toString())).toBe(true)
    // root + 2 × (dag-pb node + 4 leaves) + HAMT root + its value.
    expect(blocks.size).toBe(1 + 2 * 5 + 2)
    const codecs = [...blocks.keys()].map((cid) => CID.parse(cid).code)
    expect(codecs.filter((code) => code === 0x70).length).toBe(2) // the two files' dag-pb nodes
    expect(codecs.filter((code) => code === 0x55).length).toBe(9) // their 8 leaves and the HAMT's value
  })

  test('a HAMT with a value over 1 MiB (a UnixFS file in InMemoryCAS) round-trips through a CAR', async () => {
    const cas = new InMemoryCAS()
    const big = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 2654435761) >>> 24)
    const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
    await hamt.set('big', big)
    await hamt.set('small', new Uint8Array([1]))
    await hamt.makeReadOnly()
    const pointer = (await hamt.getPointer('big')) as CID
    expect(pointer.code).toBe(0x70)
    const car = await concat(exportCar(cas, hamt.rootNodeId))
    const { blocks } = await readCar(car)
    // The root node, the small value, the file's dag-pb node and its 4 leaves (1 MiB each, the last 5 bytes).
    expect(blocks.size).toBe(2 + 1 + 4)
    const copy = new InMemoryCAS()
    await importCar(copy, car)
    const reread = await HAMT.build<Uint8Array>({
      cas: copy,
      rootNodeId: hamt.rootNodeId,
      readOnly: true,
      valuesAreBytes: true,
    })
    // Compared as Buffers: vitest's toEqual walks a 3 MiB array element by element.
    expect(Buffer.from((await reread.get('big')) as Uint8Array).equals(big)).toBe(true)
  })

  test('a block shared by many parents is written once', async () => {
    const cas = new InMemoryCAS()
    const shared = await cas.save(new Uint8Array([1, 2, 3]), 'raw')
    const children = await Promise.all(Array.from({ length: 5 }, (_, i) => linkBlock(cas, { i, shared })))
    const root = await linkBlock(cas, { children, again: shared })
    const { blocks } = await readCar(await concat(exportCar(cas, root)))
    expect(blocks.size).toBe(7)
  })

  test('holds at most `concurrency` blocks ahead of the reader, on a large DAG', async () => {
    const cas = new FakeFaultyCAS()
    const root = await hamtDataset(cas, 20_000)
    const concurrency = 4
    let maxQueued = 0
    let maxAhead = 0
    let read = 0
    cas.loadsStarted = 0
    const reported: WalkProgress[] = []
    const car = exportCar(cas, root, {
      concurrency,
      onProgress: (progress) => {
        maxQueued = Math.max(maxQueued, progress.queued)
        if (progress.blocks % 5000 === 0) reported.push(progress)
      },
    })
    // CarBlockIterator pulls the CAR only as it needs it: blocks loaded but not yet read by it are what
    // the export holds. Measured from outside: loads the store saw, minus blocks the reader got.
    for await (const _ of await CarBlockIterator.fromIterable(car)) {
      read++
      maxAhead = Math.max(maxAhead, cas.loadsStarted - read)
    }
    expect(read).toBe(cas.inner.blockCount)
    expect(maxQueued).toBeLessThanOrEqual(concurrency)
    // The walk's window, the block being written, and the one the writer holds.
    expect(maxAhead).toBeLessThanOrEqual(concurrency + 2)
    expect(reported.length).toBeGreaterThan(0)
    console.log(`export of ${read} blocks: at most ${maxAhead} loaded ahead of the reader (concurrency ${concurrency})`)
  })

  test('a block that does not match its CID fails the export, which never ends like a whole CAR', async () => {
    const cas = new FakeFaultyCAS()
    const root = await hamtDataset(cas, 500)
    const blocks = await collect(walkDag(cas, root))
    const victim = blocks[blocks.length - 1]?.cid as CID
    cas.altered.add(keyOf(victim))
    await expect(concat(exportCar(cas, root))).rejects.toBeInstanceOf(BlockMismatchError)
    const error = await concat(exportCar(cas, root)).catch((e: unknown) => e)
    expect((error as BlockMismatchError).code).toBe('ERR_BLOCK_MISMATCH')
    expect((error as BlockMismatchError).cid.equals(victim)).toBe(true)
    // Without verification the altered bytes go through (the caller asked for it).
    const unverified = await concat(exportCar(cas, root, { verify: false }))
    expect(unverified.length).toBeGreaterThan(0)
  })

  test('a missing block fails the export with the store error', async () => {
    const cas = new FakeFaultyCAS()
    const root = await hamtDataset(cas, 500)
    const blocks = await collect(walkDag(cas, root))
    cas.missing.add(keyOf(blocks[10]?.cid as CID))
    await expect(concat(exportCar(cas, root))).rejects.toBeInstanceOf(BlockNotFoundError)
  })

  test('a reader that stops early stops the walk', async () => {
    const cas = new FakeFaultyCAS()
    const root = await hamtDataset(cas, 5000)
    cas.loadsStarted = 0
    let chunks = 0
    for await (const _ of exportCar(cas, root, { concurrency: 2 })) if (++chunks === 10) break
    const after = cas.loadsStarted
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(cas.loadsStarted).toBe(after)
    expect(after).toBeLessThan(20)
  })

  test('an abort signal stops the export', async () => {
    const cas = new InMemoryCAS()
    const root = await hamtDataset(cas, 2000)
    const controller = new AbortController()
    let chunks = 0
    const run = (async () => {
      for await (const _ of exportCar(cas, root, { signal: controller.signal })) if (++chunks === 5) controller.abort()
    })()
    await expect(run).rejects.toThrow()
  })
})

describe('walkDag', () => {
  test('onBlockError reports every bad block and the walk goes on', async () => {
    const cas = new FakeFaultyCAS()
    const root = await hamtDataset(cas, 1000)
    const all = await collect(walkDag(cas, root))
    const leaves = all.filter((block) => block.cid.code === 0x55)
    cas.missing.add(keyOf(leaves[0]?.cid as CID))
    cas.altered.add(keyOf(leaves[1]?.cid as CID))
    const errors: { error: unknown; cid: CID }[] = []
    const walked = await collect(walkDag(cas, root, { onBlockError: (error, cid) => errors.push({ error, cid }) }))
    expect(walked.length).toBe(all.length - 2)
    expect(errors.map((e) => e.cid.toString()).sort()).toEqual(
      [leaves[0]?.cid.toString(), leaves[1]?.cid.toString()].sort(),
    )
    expect(errors.some((e) => e.error instanceof BlockMismatchError)).toBe(true)
    expect(errors.some((e) => e.error instanceof BlockNotFoundError)).toBe(true)
  })

  test('refuses a codec whose links it cannot follow, and a bad concurrency', async () => {
    const cas = new InMemoryCAS()
    const raw = await cas.save(new Uint8Array([1]), 'raw')
    const dagJson = CID.createV1(0x0129, raw.multihash)
    await expect(collect(walkDag(cas, dagJson))).rejects.toBeInstanceOf(UnsupportedBlockError)
    await expect(collect(walkDag(cas, raw, { concurrency: 0 }))).rejects.toThrow(RangeError)
  })

  test('a block that does not decode as its codec says, and a hash it cannot check', async () => {
    const cas = new InMemoryCAS()
    const notCbor = await cas.save(new Uint8Array([0xff, 0x00, 0x13]), 'dag-cbor')
    const error = await collect(walkDag(cas, notCbor)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockDecodeError)
    expect((error as BlockDecodeError).code).toBe('ERR_BLOCK_DECODE')
    const { sha512 } = await import('multiformats/hashes/sha2')
    const bytes = new Uint8Array([1, 2, 3])
    const sha512Cid = CID.createV1(0x55, await sha512.digest(bytes))
    await expect(checkBlock(sha512Cid, bytes, 'here')).rejects.toBeInstanceOf(UnsupportedBlockError)
  })

  test('a seen set smaller than the DAG still walks everything (revisits are allowed)', async () => {
    const cas = new InMemoryCAS()
    const root = await hamtDataset(cas, 1000)
    const walked = await collect(walkDag(cas, root, { seenLimit: 10 }))
    expect(new Set(walked.map((b) => b.cid.toString())).size).toBe(cas.blockCount)
  })
})
