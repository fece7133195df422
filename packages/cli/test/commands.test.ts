import { readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from '@hamt/core'
import { CarIndexer } from '@ipld/car/indexer'
import { CarReader } from '@ipld/car/reader'
import * as dagCbor from '@ipld/dag-cbor'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { hamtIn, hamtInDir, tempDir, zarrInDir } from './helpers.js'

let work: { path: string; remove: () => Promise<void> }
let dir: string
let root: CID
const KEYS = 300

/** Block files of a blockstore-fs directory. */
async function blockFiles(path: string): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.data')) files.push(join(entry.parentPath, entry.name))
  }
  return files
}

beforeAll(async () => {
  work = await tempDir()
  dir = join(work.path, 'store')
  root = await hamtInDir(dir, KEYS)
})

afterAll(() => work.remove())

describe('info, ls, get', () => {
  test('info counts keys, nodes, depth and every block', async () => {
    const run = await hamtIn(['info', root.toString(), '--dir', dir, '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const info = JSON.parse(run.stdout)
    expect(info).toMatchObject({ root: root.toString(), layout: 'hamt', keys: KEYS })
    expect(info.depth).toBeGreaterThanOrEqual(2)
    // fromEntries writes nothing but the tree: the reachable blocks are the store's files.
    expect(info.blocks).toBe((await blockFiles(dir)).length)
    expect(info.blocks).toBe(info.nodes + KEYS)
    const text = await hamtIn(['info', root.toString(), '--dir', dir])
    expect(text.stdout).toContain('layout  HAMT')
    expect(text.stdout).toContain(`keys    ${KEYS}`)
    const shallow = JSON.parse((await hamtIn(['info', root.toString(), '--dir', dir, '--json', '--shallow'])).stdout)
    expect(shallow).toMatchObject({ keys: KEYS, nodes: info.nodes, blocks: null, bytes: null })
  })

  test('ls lists every key; --sort, --long and --json', async () => {
    const expected = Array.from({ length: KEYS }, (_, i) => `key-${i}`).sort()
    const plain = await hamtIn(['ls', root.toString(), '--dir', dir])
    expect(plain.stdout.trim().split('\n').sort()).toEqual(expected)
    const sorted = await hamtIn(['ls', root.toString(), '--dir', dir, '--sort'])
    expect(sorted.stdout.trim().split('\n')).toEqual(expected)
    const long = await hamtIn(['ls', root.toString(), '--dir', dir, '-l', '--json'])
    const entries = JSON.parse(long.stdout) as { key: string; cid: string }[]
    expect(entries).toHaveLength(KEYS)
    expect(CID.parse(entries[0]?.cid as string).code).toBe(0x55)
    const keysOnly = JSON.parse((await hamtIn(['ls', root.toString(), '--dir', dir, '--json', '--sort'])).stdout)
    expect(keysOnly).toEqual(expected)
  })

  test('get prints the bytes; a missing key exits 3; --cbor decodes', async () => {
    const run = await hamtIn(['get', root.toString(), 'key-42', '--dir', dir])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('value-42')
    const missing = await hamtIn(['get', root.toString(), 'nope', '--dir', dir])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('"nope" is not in')
    const json = JSON.parse((await hamtIn(['get', root.toString(), 'key-1', '--dir', dir, '--json'])).stdout)
    expect(json).toMatchObject({ key: 'key-1', size: 7 })
    const notCbor = await hamtIn(['get', root.toString(), 'key-1', '--dir', dir, '--cbor'])
    expect(notCbor.code).toBe(6)
  })
})

describe('put', () => {
  test('a new root with the key set, the old one unchanged; text, JSON as DAG-CBOR, a file', async () => {
    const first = await hamtIn(['put', root.toString(), 'added', '--text', 'hello', '--dir', dir])
    expect(first.code).toBe(0)
    const next = first.stdout.trim()
    expect(next).not.toBe(root.toString())
    expect((await hamtIn(['get', next, 'added', '--dir', dir])).stdout).toBe('hello')
    expect((await hamtIn(['get', root.toString(), 'added', '--dir', dir])).code).toBe(3)

    const cbor = await hamtIn(['put', next, 'meta', '--cbor', '{"units":"K","scale":[1,2]}', '--dir', dir, '--json'])
    const { root: third } = JSON.parse(cbor.stdout) as { root: string }
    const decoded = await hamtIn(['get', third, 'meta', '--dir', dir, '--cbor'])
    expect(JSON.parse(decoded.stdout)).toEqual({ units: 'K', scale: [1, 2] })

    const file = join(work.path, 'value.bin')
    await writeFile(file, new Uint8Array([0, 255, 1, 254]))
    const fourth = (await hamtIn(['put', third, 'bin', '--file', file, '--dir', dir])).stdout.trim()
    expect((await hamtIn(['get', fourth, 'bin', '--dir', dir])).bytes).toEqual(Buffer.from([0, 255, 1, 254]))
    const fromStdin = await hamtIn(['put', 'new', 'only', '--file', '-', '--dir', dir], {
      stdin: new Uint8Array([7, 8]),
    })
    expect((await hamtIn(['get', fromStdin.stdout.trim(), 'only', '--dir', dir])).bytes).toEqual(Buffer.from([7, 8]))
  })

  test('usage: exactly one value option, bad JSON', async () => {
    expect((await hamtIn(['put', 'new', 'k', '--dir', dir])).code).toBe(2)
    expect((await hamtIn(['put', 'new', 'k', '--text', 'a', '--cbor', '1', '--dir', dir])).code).toBe(2)
    expect((await hamtIn(['put', 'new', 'k', '--cbor', '{', '--dir', dir])).code).toBe(2)
    expect((await hamtIn(['put', 'not-a-cid', 'k', '--text', 'a', '--dir', dir])).code).toBe(2)
  })
})

describe('export, import, --car, verify', () => {
  test('export writes a CAR that @ipld/car reads; import into a fresh directory gives the same dataset', async () => {
    const car = join(work.path, 'dataset.car')
    const run = await hamtIn(['export', root.toString(), '--dir', dir, '--out', car, '--json'])
    expect(run.code).toBe(0)
    const reader = await CarReader.fromBytes(await readFile(car))
    expect((await reader.getRoots()).map(String)).toEqual([root.toString()])
    const summary = JSON.parse(run.stdout)
    let blocks = 0
    for await (const _ of reader.blocks()) blocks++
    expect(summary.blocks).toBe(blocks)

    const copy = join(work.path, 'copy')
    const imported = await hamtIn(['import', car, '--dir', copy])
    expect(imported.code).toBe(0)
    expect(imported.stdout.trim()).toBe(root.toString())
    expect((await blockFiles(copy)).length).toBe(blocks)
    const keys = (await hamtIn(['ls', root.toString(), '--dir', copy, '--sort'])).stdout
    expect(keys).toBe((await hamtIn(['ls', root.toString(), '--dir', dir, '--sort'])).stdout)
    const verified = await hamtIn(['verify', root.toString(), '--dir', copy, '--json'])
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, blocks, missing: [], corrupt: [] })

    // The CAR file as a read-only store: its root is the default ROOT.
    expect((await hamtIn(['get', 'key-7', '--car', car])).stdout).toBe('value-7')
    expect(JSON.parse((await hamtIn(['info', '--car', car, '--json'])).stdout).keys).toBe(KEYS)
    const readOnly = await hamtIn(['put', root.toString(), 'x', '--text', 'y', '--car', car])
    expect(readOnly.code).toBe(6)
    expect(readOnly.stderr).toContain('read-only')
    expect((await hamtIn(['verify', '--car', car])).stdout).toContain('ok: ')
  })

  test('a tampered CAR is refused with exit 4 and nothing from the bad block on saved', async () => {
    const car = await readFile(join(work.path, 'dataset.car')).catch(async () => {
      await hamtIn(['export', root.toString(), '--dir', dir, '--out', join(work.path, 'dataset.car')])
      return readFile(join(work.path, 'dataset.car'))
    })
    const index = []
    for await (const entry of await CarIndexer.fromBytes(car)) index.push(entry)
    const bad = index[20]!
    const tampered = new Uint8Array(car)
    tampered[bad.blockOffset]! ^= 0xff
    const file = join(work.path, 'tampered.car')
    await writeFile(file, tampered)
    const target = join(work.path, 'tampered-store')
    const run = await hamtIn(['import', file, '--dir', target, '--json'])
    expect(run.code).toBe(4)
    expect(JSON.parse(run.stderr).error.code).toBe('ERR_BLOCK_MISMATCH')
    expect((await blockFiles(target)).length).toBe(20)

    const cut = join(work.path, 'cut.car')
    await writeFile(cut, car.subarray(0, bad.blockOffset + 5))
    const truncated = await hamtIn(['import', cut, '--dir', join(work.path, 'cut-store')])
    expect(truncated.code).toBe(4)
    expect(truncated.stderr).toContain('cut short')
    const partialFile = join(work.path, 'partial.car')
    await writeFile(partialFile, car.subarray(0, bad.offset))
    expect((await hamtIn(['import', partialFile, '--dir', join(work.path, 'p1')])).code).toBe(4)
    expect((await hamtIn(['import', partialFile, '--dir', join(work.path, 'p2'), '--partial'])).code).toBe(0)
    expect((await hamtIn(['import', join(work.path, 'nope.car'), '--dir', join(work.path, 'p3')])).code).toBe(3)
  })

  test('verify reports a missing block and an altered one, exit 4', async () => {
    const broken = join(work.path, 'broken')
    const brokenRoot = await hamtInDir(broken, 50)
    const files = await blockFiles(broken)
    // Value blocks are the small files: remove one, alter another.
    const sizes = await Promise.all(files.map(async (f) => ({ f, size: (await readFile(f)).length })))
    const values = sizes.filter((s) => s.size < 20)
    await unlink(values[0]?.f as string)
    await writeFile(values[1]?.f as string, 'tampered')
    const run = await hamtIn(['verify', brokenRoot.toString(), '--dir', broken, '--json'])
    expect(run.code).toBe(4)
    const report = JSON.parse(run.stdout)
    expect(report.ok).toBe(false)
    expect(report.missing).toHaveLength(1)
    expect(report.corrupt).toHaveLength(1)
    expect(report.blocks).toBe(files.length - 2)
    const text = await hamtIn(['verify', brokenRoot.toString(), '--dir', broken])
    expect(text.stdout).toMatch(/^missing {2}b/m)
    expect(text.stdout).toMatch(/^corrupt {2}b/m)
    expect(text.stdout).toContain('FAILED: 1 missing, 1 corrupt')
    await rm(broken, { recursive: true })
  })
})

describe('convert and diff', () => {
  test('convert turns a Zarr HAMT into a sharded root with the same keys and values', async () => {
    const zdir = join(work.path, 'zarr')
    const hamtRoot = await zarrInDir(zdir)
    const run = await hamtIn(['convert', hamtRoot.toString(), '--dir', zdir, '--chunks-per-shard', '4', '--json'])
    expect(run.code).toBe(0)
    const sharded = JSON.parse(run.stdout).root as string
    const info = JSON.parse((await hamtIn(['info', sharded, '--dir', zdir, '--json'])).stdout)
    expect(info.layout).toBe('sharded')
    const hamtKeys = (await hamtIn(['ls', hamtRoot.toString(), '--dir', zdir, '--sort'])).stdout
    expect((await hamtIn(['ls', sharded, '--dir', zdir, '--sort'])).stdout).toBe(hamtKeys)
    expect(info.keys).toBe(hamtKeys.trim().split('\n').length)
    expect(info.nodes).toBe(1 + 2) // the root and two shards of 4 of the 6 chunks
    const chunk = 'temp/c/1/0'
    const a = await hamtIn(['get', hamtRoot.toString(), chunk, '--dir', zdir])
    const b = await hamtIn(['get', sharded, chunk, '--dir', zdir])
    expect(b.bytes).toEqual(a.bytes)
    // Sharded to HAMT diff: compared key by key, nothing differs.
    const same = JSON.parse((await hamtIn(['diff', hamtRoot.toString(), sharded, '--dir', zdir, '--json'])).stdout)
    expect(same).toMatchObject({ added: [], removed: [], changed: [] })
    const again = await hamtIn(['convert', sharded, '--dir', zdir])
    expect(again.code).toBe(6)
    // A sharded root takes puts too.
    const put = await hamtIn([
      'put',
      sharded,
      'zarr.json',
      '--text',
      '{"zarr_format":3,"node_type":"group","attributes":{"v":2}}',
      '--dir',
      zdir,
    ])
    expect(put.code).toBe(0)
    const changed = JSON.parse((await hamtIn(['diff', sharded, put.stdout.trim(), '--dir', zdir, '--json'])).stdout)
    expect(changed.changed.map((c: { key: string }) => c.key)).toEqual(['zarr.json'])
    expect(changed.nodesLoaded).toBe(0) // the shard lists are the same: no shard read
    // Two chunks rewritten, both in the first shard (chunks 1 and 2 of 4): one shard read per side.
    const newChunk = new Uint8Array(16).fill(1)
    const file = join(work.path, 'chunk.bin')
    await writeFile(file, newChunk)
    let next = (await hamtIn(['put', sharded, 'temp/c/1/0', '--file', file, '--dir', zdir])).stdout.trim()
    next = (await hamtIn(['put', next, 'temp/c/0/1', '--file', file, '--dir', zdir])).stdout.trim()
    const chunks = JSON.parse((await hamtIn(['diff', sharded, next, '--dir', zdir, '--json'])).stdout)
    expect(chunks.changed.map((c: { key: string }) => c.key)).toEqual(['temp/c/0/1', 'temp/c/1/0'])
    expect(chunks.added).toEqual([])
    expect(chunks.nodesLoaded).toBe(2)
  })

  test('diff of two HAMTs: added, removed, changed, reading only the subtrees that differ', async () => {
    const ddir = join(work.path, 'diff')
    const big = await hamtInDir(ddir, 5000)
    let next = big.toString()
    next = (await hamtIn(['put', next, 'key-10', '--text', 'changed', '--dir', ddir])).stdout.trim()
    next = (await hamtIn(['put', next, 'brand-new', '--text', 'x', '--dir', ddir])).stdout.trim()
    const run = await hamtIn(['diff', big.toString(), next, '--dir', ddir, '--json'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.added.map((e: { key: string }) => e.key)).toEqual(['brand-new'])
    expect(result.removed).toEqual([])
    expect(result.changed.map((e: { key: string }) => e.key)).toEqual(['key-10'])
    const info = JSON.parse((await hamtIn(['info', big.toString(), '--dir', ddir, '--json', '--shallow'])).stdout)
    // Two changed paths from the root, on both sides: a few nodes, not the tree's hundreds.
    expect(result.nodesLoaded).toBeLessThanOrEqual(4 * info.depth)
    expect(info.nodes).toBeGreaterThan(100)
    const text = await hamtIn(['diff', next, big.toString(), '--dir', ddir])
    expect(text.stdout).toBe('- brand-new\n~ key-10\n')
    const same = await hamtIn(['diff', next, next, '--dir', ddir, '--json'])
    expect(JSON.parse(same.stdout).nodesLoaded).toBe(0)
  })
})

describe('errors and help', () => {
  test('every command has --help; usage errors exit 2', async () => {
    for (const command of ['info', 'ls', 'get', 'put', 'export', 'import', 'convert', 'diff', 'verify']) {
      const run = await hamtIn([command, '--help'])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`Usage: hamt ${command}`)
    }
    expect((await hamtIn(['--help'])).stdout).toContain('Commands:')
    expect((await hamtIn(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
    expect((await hamtIn([])).code).toBe(2)
    expect((await hamtIn(['frobnicate'])).code).toBe(2)
    expect((await hamtIn(['ls', '--frob'])).code).toBe(2)
    expect((await hamtIn(['ls', root.toString()])).stderr).toContain('no store given')
    expect((await hamtIn(['ls', '--dir', dir])).stderr).toContain('missing ROOT')
    expect((await hamtIn(['ls', 'bafynot', '--dir', dir])).code).toBe(2)
    expect((await hamtIn(['ls', root.toString(), '--gateway', 'ftp://x'])).code).toBe(2)
    expect((await hamtIn(['ls', root.toString(), '--dir', dir, '--timeout', '-1'])).code).toBe(2)
    expect((await hamtIn(['put', 'new', 'k', '--text', 'v', '--dir', dir, '--rpc', 'http://127.0.0.1:1'])).code).toBe(2)
    expect((await hamtIn(['export', root.toString(), '--dir', dir, '--json'])).code).toBe(2)
    expect((await hamtIn(['diff', root.toString(), '--dir', dir])).code).toBe(2)
  })

  test('not found and not a dataset', async () => {
    const absent = CID.parse('bafyr4ibnxplklrsd6ngtlmwxq3pmqhkvzxiyjw6fuh5eqhjn2wn6wwdqk4')
    const run = await hamtIn(['ls', absent.toString(), '--dir', dir, '--json'])
    expect(run.code).toBe(3)
    expect(JSON.parse(run.stderr).error.code).toBe('ERR_BLOCK_NOT_FOUND')
    expect((await hamtIn(['ls', root.toString(), '--dir', join(work.path, 'nowhere')])).code).toBe(3)
    expect((await hamtIn(['ls', '--car', join(work.path, 'nowhere.car')])).code).toBe(3)
    // A value block is not a dataset root.
    const value = (await hamtIn(['ls', root.toString(), '--dir', dir, '-l'])).stdout
      .split('\n')[0]
      ?.split('\t')[1] as string
    const notRoot = await hamtIn(['info', value, '--dir', dir])
    expect(notRoot.code).toBe(6)
    expect(notRoot.stderr).toContain('is not a HAMT or sharded dataset')
    const cborRoot = join(work.path, 'cbor.car')
    void cborRoot
    void dagCbor
  })

  test('progress goes to stderr on a terminal only', async () => {
    const quietRun = await hamtIn(['verify', root.toString(), '--dir', dir])
    expect(quietRun.stderr).toBe('')
    const ttyRun = await hamtIn(['verify', root.toString(), '--dir', dir], { tty: true })
    expect(ttyRun.stderr).toContain('\rverified')
    expect(ttyRun.stdout).toContain('ok: ')
    const silenced = await hamtIn(['verify', root.toString(), '--dir', dir, '-q'], { tty: true })
    expect(silenced.stderr).toBe('')
  })
})
