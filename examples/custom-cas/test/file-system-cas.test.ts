import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InMemoryCAS } from '@hamt/cas-memory'
import { BlockNotFoundError, type ByteRange, CID, HAMT, InvalidOptionError, InvalidRangeError } from '@hamt/core'
import * as Digest from 'multiformats/hashes/digest'
import { sha512 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { BlockCorruptedError, BlockPathError, FileSystemCAS, UnsupportedHashError } from '../src/index.js'

const PY_HAMT_ROOT_N1000 = 'bafyr4if63airx5zxu7pemwy7wq25y7c3mipj5xtcyxbholsip7fxx42hy4'
const utf8 = new TextEncoder()

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fs-cas-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Every file under `root`, relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  try {
    return (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
  } catch {
    return []
  }
}

function blockFile(cid: CID): string {
  const name = cid.toString()
  return path.join(dir, 'blocks', name.slice(-3, -1), name)
}

describe('save and load', () => {
  test('gives the CIDs the in-memory store (and Kubo) gives, for both codecs', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const memory = new InMemoryCAS()
    for (const codec of ['raw', 'dag-cbor'] as const) {
      for (const data of [new Uint8Array(0), utf8.encode('hello'), new Uint8Array(300_000).fill(7)]) {
        const cid = await cas.save(data, codec)
        expect(cid.toString()).toBe((await memory.save(data, codec)).toString())
        expect(await cas.load(cid)).toEqual(data)
      }
    }
  })

  test('stores each block as a file named by its CID and leaves no temporary files', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await cas.save(utf8.encode('a block'), 'raw')
    expect(new Uint8Array(await readFile(blockFile(cid)))).toEqual(utf8.encode('a block'))
    expect(await filesUnder(path.join(dir, 'tmp'))).toEqual([])
    expect(await cas.has(cid)).toBe(true)
  })

  test('holds a HAMT with py-hamt’s root CID, readable by a new instance after the first is gone', async () => {
    const writer = await HAMT.build<Uint8Array>({ cas: new FileSystemCAS({ directory: dir }), valuesAreBytes: true })
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writer.set(`k${i}`, utf8.encode(`v${i}`))))
    await writer.makeReadOnly()
    expect(writer.rootNodeId.toString()).toBe(PY_HAMT_ROOT_N1000)

    const reader = await HAMT.build<Uint8Array>({
      cas: new FileSystemCAS({ directory: dir }),
      rootNodeId: CID.parse(PY_HAMT_ROOT_N1000),
      readOnly: true,
      valuesAreBytes: true,
    })
    const values = await Promise.all(Array.from({ length: 1000 }, (_, i) => reader.get(`k${i}`)))
    expect(values.map((v) => new TextDecoder().decode(v))).toEqual(values.map((_, i) => `v${i}`))
  })

  test('clips and rejects ranges exactly as the in-memory store does', async () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i)
    const cas = new FileSystemCAS({ directory: dir })
    const memory = new InMemoryCAS()
    const cid = await cas.save(data, 'raw')
    await memory.save(data, 'raw')
    const ranges: ByteRange[] = [
      { offset: 0 },
      { offset: 10, length: 5 },
      { offset: 95, length: 50 },
      { offset: 100 },
      { offset: 3, length: 0 },
      { suffix: 7 },
      { suffix: 500 },
    ]
    for (const range of ranges) expect(await cas.load(cid, range)).toEqual(await memory.load(cid, range))
    for (const bad of [{ offset: 101 }, { offset: -1 }, { suffix: -2 }, { offset: 0, length: 1.5 }]) {
      await expect(cas.load(cid, bad)).rejects.toBeInstanceOf(InvalidRangeError)
    }
  })

  test('saving the same block concurrently writes it once, with no error', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const data = utf8.encode('same bytes')
    const cids = await Promise.all(Array.from({ length: 50 }, () => cas.save(data, 'raw')))
    expect(new Set(cids.map(String)).size).toBe(1)
    expect(await cas.stats()).toEqual({ blocks: 1, bytes: data.length })
    expect(await filesUnder(path.join(dir, 'tmp'))).toEqual([])
  })

  test('names blocks with sha2-256 when asked, and any instance verifies both hashes', async () => {
    const sha = new FileSystemCAS({ directory: dir, hash: 'sha2-256' })
    const cid = await sha.save(utf8.encode('sha block'), 'dag-cbor')
    expect(cid.multihash.code).toBe(0x12)
    expect(cid.code).toBe(0x71)
    expect(await new FileSystemCAS({ directory: dir }).load(cid)).toEqual(utf8.encode('sha block'))
    await writeFile(blockFile(cid), 'tampered')
    await expect(sha.load(cid)).rejects.toBeInstanceOf(BlockCorruptedError)
  })
})

test('a buffer the caller reuses while its save waits is stored as it was when save was called', async () => {
  // One file operation at a time, so the second save's write waits behind the first.
  const cas = new FileSystemCAS({ directory: dir, concurrency: 1 })
  const reused = utf8.encode('first contents')
  const saves = [cas.save(new Uint8Array(200_000).fill(1), 'raw'), cas.save(reused, 'raw')]
  reused.set(utf8.encode('later contents'))
  const [, cid] = await Promise.all(saves)
  expect(await cas.load(cid as CID)).toEqual(utf8.encode('first contents'))
})

describe('errors', () => {
  test('a missing block is a BlockNotFoundError naming the CID and the directory', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await new InMemoryCAS().save(utf8.encode('elsewhere'), 'raw')
    const error = await cas.load(cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockNotFoundError)
    expect(error).toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND', cid })
    expect((error as Error).message).toContain(dir)
  })

  test('a block whose file was altered is a BlockCorruptedError, for whole and range reads', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await cas.save(utf8.encode('original bytes'), 'raw')
    await writeFile(blockFile(cid), 'original bytez')
    for (const range of [undefined, { offset: 0, length: 4 }]) {
      const error = await cas.load(cid, range).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BlockCorruptedError)
      expect(error).toMatchObject({ code: 'ERR_BLOCK_CORRUPTED', cid, path: blockFile(cid) })
    }
  })

  test('saving the right bytes again replaces a block file that fails verification', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await cas.save(utf8.encode('original bytes'), 'raw')
    await writeFile(blockFile(cid), 'original bytez')
    expect(await cas.save(utf8.encode('original bytes'), 'raw')).toEqual(cid)
    expect(await cas.load(cid)).toEqual(utf8.encode('original bytes'))
  })

  test('a directory where a block file should be is a BlockPathError on save and on load', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await new InMemoryCAS().save(utf8.encode('blocked'), 'raw')
    await mkdir(blockFile(cid), { recursive: true })
    await expect(cas.save(utf8.encode('blocked'), 'raw')).rejects.toBeInstanceOf(BlockPathError)
    const error = await cas.load(cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockPathError)
    expect(error).toMatchObject({ code: 'ERR_BLOCK_PATH', cid, path: blockFile(cid) })
  })

  test('a CID with a hash it cannot check is an UnsupportedHashError', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = CID.createV1(0x55, await sha512.digest(utf8.encode('x')))
    await expect(cas.load(cid)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_HASH', hashCode: 0x13 })
    const identity = CID.createV1(0x55, Digest.create(0x00, utf8.encode('x')))
    await expect(cas.load(identity)).rejects.toBeInstanceOf(UnsupportedHashError)
  })

  test('bad options and arguments are InvalidOptionErrors', async () => {
    expect(() => new FileSystemCAS({ directory: '' })).toThrow(InvalidOptionError)
    expect(() => new FileSystemCAS({ directory: dir, hash: 'md5' as 'blake3' })).toThrow(/hash must be/)
    expect(() => new FileSystemCAS({ directory: dir, concurrency: 0 })).toThrow(/concurrency/)
    const cas = new FileSystemCAS({ directory: dir })
    await expect(cas.save(utf8.encode('x'), 'json' as 'raw')).rejects.toThrow(/codec must be/)
    await expect(cas.save('text' as unknown as Uint8Array, 'raw')).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cas.load('bafy' as unknown as CID)).rejects.toBeInstanceOf(InvalidOptionError)
    expect(await cas.stats()).toEqual({ blocks: 0, bytes: 0 })
  })

  test('a failed write leaves neither a partial block nor a temporary file', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const data = utf8.encode('cannot land')
    const cid = await new InMemoryCAS().save(data, 'raw')
    // Fault injection: a non-empty directory where the block file should go makes the rename fail.
    await mkdir(path.join(blockFile(cid), 'occupied'), { recursive: true })
    await expect(cas.save(data, 'raw')).rejects.toThrow()
    await rm(blockFile(cid), { recursive: true })
    expect(await filesUnder(path.join(dir, 'tmp'))).toEqual([])
    expect(await cas.has(cid)).toBe(false)
    expect((await cas.save(data, 'raw')).toString()).toBe(cid.toString())
  })

  test('an aborted signal rejects save and load', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await cas.save(utf8.encode('abc'), 'raw')
    const signal = AbortSignal.abort()
    await expect(cas.save(utf8.encode('def'), 'raw', { signal })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(cas.load(cid, undefined, { signal })).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('refs', () => {
  test('remember a CID by name across instances, replacing the old value', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    expect(await cas.getRef('dataset')).toBeUndefined()
    const a = await cas.save(utf8.encode('a'), 'raw')
    const b = await cas.save(utf8.encode('b'), 'raw')
    await cas.setRef('dataset', a)
    await cas.setRef('dataset', b)
    expect((await new FileSystemCAS({ directory: dir }).getRef('dataset'))?.toString()).toBe(b.toString())
    expect(await filesUnder(path.join(dir, 'tmp'))).toEqual([])
  })

  test('refuse names that could escape the refs directory, and report a damaged ref', async () => {
    const cas = new FileSystemCAS({ directory: dir })
    const cid = await cas.save(utf8.encode('a'), 'raw')
    for (const name of ['', '../x', 'a/b', '.hidden', 'x'.repeat(129)]) {
      await expect(cas.setRef(name, cid)).rejects.toBeInstanceOf(InvalidOptionError)
      await expect(cas.getRef(name)).rejects.toBeInstanceOf(InvalidOptionError)
    }
    await mkdir(path.join(dir, 'refs'), { recursive: true })
    await writeFile(path.join(dir, 'refs', 'broken'), 'not a cid')
    await expect(cas.getRef('broken')).rejects.toThrow(/does not hold a CID/)
  })
})
