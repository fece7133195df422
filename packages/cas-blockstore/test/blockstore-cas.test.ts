import { InMemoryCAS } from '@hamt/cas-memory'
import { BlockNotFoundError, blake3Cid, CID, HAMT, InvalidOptionError, InvalidRangeError } from '@hamt/core'
import { FsBlockstore } from 'blockstore-fs'
import { equals } from 'multiformats/bytes'
import { afterEach, describe, expect, it } from 'vitest'
import { BlockstoreCAS } from '../src/index.js'
import { type BlockstoreFixture, fsBlockstore, memoryBlockstore, randomBytes } from './helpers.js'

const MiB = 1_048_576
const text = (s: string) => new TextEncoder().encode(s)

describe.each([
  ['blockstore-fs', fsBlockstore],
  ['MemoryBlockstore', memoryBlockstore],
] as const)('BlockstoreCAS on %s', (_name, open) => {
  let fixture: BlockstoreFixture
  afterEach(async () => {
    await fixture?.cleanup()
  })

  it('gives InMemoryCAS’s (Kubo’s) CIDs for blocks and loads ranges', async () => {
    fixture = await open()
    const cas = new BlockstoreCAS(fixture.blockstore)
    const raw = await cas.save(text('0123456789'), 'raw')
    const node = await cas.save(text('0123456789'), 'dag-cbor')
    const memory = new InMemoryCAS()
    expect(raw.equals(await memory.save(text('0123456789'), 'raw'))).toBe(true)
    expect(node.equals(await memory.save(text('0123456789'), 'dag-cbor'))).toBe(true)
    expect(await fixture.blockstore.has(raw)).toBe(true)
    expect(new TextDecoder().decode(await cas.load(raw))).toBe('0123456789')
    expect(new TextDecoder().decode(await cas.load(node, { offset: 3, length: 4 }))).toBe('3456')
    expect(new TextDecoder().decode(await cas.load(raw, { suffix: 3 }))).toBe('789')
    await expect(cas.load(raw, { offset: 11 })).rejects.toBeInstanceOf(InvalidRangeError)
    expect(await cas.has(raw)).toBe(true)
  })

  it('stores a value over 1 MiB as Kubo’s UnixFS file, and reads it and its ranges back', async () => {
    fixture = await open()
    const cas = new BlockstoreCAS(fixture.blockstore)
    const data = randomBytes(3 * MiB + 5, 1)
    const cid = await cas.save(data, 'raw')
    expect(cid.code).toBe(0x70)
    expect(cid.equals(await new InMemoryCAS().save(data, 'raw'))).toBe(true)
    // The root and its four raw leaves are blocks of the blockstore, as Kubo keeps them.
    expect(await fixture.blockstore.has(cid)).toBe(true)
    expect(await fixture.blockstore.has(blake3Cid(data.subarray(3 * MiB), 'raw'))).toBe(true)
    expect(equals(await cas.load(cid), data)).toBe(true)
    expect(equals(await cas.load(cid, { offset: MiB - 2, length: 4 }), data.subarray(MiB - 2, MiB + 2))).toBe(true)
    expect(equals(await cas.load(cid, { suffix: 9 }), data.subarray(data.length - 9))).toBe(true)
    await expect(cas.load(cid, { offset: data.length + 1 })).rejects.toBeInstanceOf(InvalidRangeError)
  })

  it('holds a HAMT with the same root as InMemoryCAS, large values included', async () => {
    fixture = await open()
    const cas = new BlockstoreCAS(fixture.blockstore)
    const memory = new InMemoryCAS()
    const entries: [string, Uint8Array][] = [
      ['big', randomBytes(2 * MiB + 100, 2)],
      ...Array.from({ length: 300 }, (_, i) => [`k${i}`, randomBytes(64, 100 + i)] as [string, Uint8Array]),
    ]
    const roots: CID[] = []
    for (const store of [cas, memory]) {
      const hamt = await HAMT.build({ cas: store, valuesAreBytes: true })
      for (const [key, value] of entries) await hamt.set(key, value)
      await hamt.makeReadOnly()
      roots.push(hamt.rootNodeId)
    }
    expect(roots[0]?.toString()).toBe(roots[1]?.toString())
    const reader = await HAMT.build({ cas, rootNodeId: roots[0] as CID, readOnly: true, valuesAreBytes: true })
    expect(equals((await reader.get('big')) as Uint8Array, entries[0]?.[1] as Uint8Array)).toBe(true)
    expect(equals((await reader.get('k299')) as Uint8Array, entries[300]?.[1] as Uint8Array)).toBe(true)
  })

  it('keeps what was saved when the caller changes its array afterwards', async () => {
    fixture = await open()
    const cas = new BlockstoreCAS(fixture.blockstore)
    const small = text('original')
    const big = randomBytes(MiB + 3, 9)
    const expectedBig = big.slice()
    const smallCid = await cas.save(small, 'raw')
    const bigCid = await cas.save(big, 'raw')
    small.fill(0)
    big.fill(0)
    expect(new TextDecoder().decode(await cas.load(smallCid))).toBe('original')
    expect(equals(await cas.load(bigCid), expectedBig)).toBe(true)
  })

  it('gives a typed not-found error naming the CID and the store', async () => {
    fixture = await open()
    const cas = new BlockstoreCAS(fixture.blockstore, { name: 'my store' })
    const missing = blake3Cid(text('elsewhere'), 'raw')
    const error = await cas.load(missing).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockNotFoundError)
    expect((error as BlockNotFoundError).cid.equals(missing)).toBe(true)
    expect((error as Error).message).toContain('my store')
    expect(await cas.has(missing)).toBe(false)
  })
})

describe('BlockstoreCAS', () => {
  it('keeps a dataset on disk: a new blockstore-fs on the same directory reads it by its root', async () => {
    const fixture = await fsBlockstore()
    try {
      const hamt = await HAMT.build({ cas: new BlockstoreCAS(fixture.blockstore) })
      await hamt.set('greeting', { text: 'hello' })
      await hamt.set('blob', randomBytes(MiB + 1, 3))
      await hamt.makeReadOnly()
      await fixture.blockstore.close()

      const reopened = new FsBlockstore(fixture.dir)
      await reopened.open()
      const reader = await HAMT.build({
        cas: new BlockstoreCAS(reopened),
        rootNodeId: hamt.rootNodeId,
        readOnly: true,
      })
      expect(await reader.get('greeting')).toEqual({ text: 'hello' })
      expect(equals((await reader.get('blob')) as Uint8Array, randomBytes(MiB + 1, 3))).toBe(true)
      await reopened.close()
      await fixture.blockstore.open() // so cleanup can close it
    } finally {
      await fixture.cleanup()
    }
  })

  it('rejects bad input and honours an aborted signal', async () => {
    const { blockstore } = await memoryBlockstore()
    expect(() => new BlockstoreCAS({} as never)).toThrow(InvalidOptionError)
    expect(() => new BlockstoreCAS(null as never)).toThrow(/interface-blockstore/)
    const cas = new BlockstoreCAS(blockstore)
    await expect(cas.save(text('a'), 'dag-pb' as 'raw')).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cas.save('text' as unknown as Uint8Array, 'raw')).rejects.toThrow(/must be a Uint8Array/)
    await expect(cas.load('bafy' as unknown as CID)).rejects.toThrow(/id must be a CID/)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(cas.save(text('a'), 'raw', controller)).rejects.toThrow('stop')
    await expect(cas.load(blake3Cid(text('a'), 'raw'), undefined, controller)).rejects.toThrow('stop')
  })

  it('reads identity CIDs without the blockstore, and passes other blockstore errors through', async () => {
    const failing = {
      has: async () => false,
      put: async () => {
        throw new Error('disk full')
      },
      // biome-ignore lint/correctness/useYield: a blockstore that fails
      async *get(): AsyncGenerator<Uint8Array> {
        throw new Error('disk on fire')
      },
    }
    const cas = new BlockstoreCAS(failing as never)
    const identity = CID.createV1(0x55, {
      code: 0,
      size: 2,
      digest: text('hi'),
      bytes: new Uint8Array([0, 2, 104, 105]),
    })
    expect(new TextDecoder().decode(await cas.load(identity))).toBe('hi')
    expect(await cas.has(identity)).toBe(true)
    await expect(cas.load(blake3Cid(text('x'), 'raw'))).rejects.toThrow('disk on fire')
    await expect(cas.save(text('x'), 'raw')).rejects.toThrow('disk full')
  })
})
