import { BlockNotFoundError, CID, InvalidOptionError, InvalidRangeError } from '@hamt/core'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../src/index.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('InMemoryCAS', () => {
  it('returns Kubo’s CIDs: v1, the requested codec, blake3-256', async () => {
    const cas = new InMemoryCAS()
    // py-hamt's vectors: the value block of k0 (ASCII "v0") saved by KuboCAS.
    const raw = await cas.save(bytes('v0'), 'raw')
    expect(raw.version).toBe(1)
    expect(raw.code).toBe(0x55)
    expect(raw.multihash.code).toBe(0x1e)
    expect(raw.multihash.digest.length).toBe(32)
    const node = await cas.save(bytes('v0'), 'dag-cbor')
    expect(node.code).toBe(0x71)
    expect(node.multihash.bytes).toEqual(raw.multihash.bytes)
  })

  it('copies saved bytes and loads ranges', async () => {
    const cas = new InMemoryCAS()
    const data = bytes('0123456789')
    const cid = await cas.save(data, 'raw')
    data[0] = 0x58
    expect(new TextDecoder().decode(await cas.load(cid))).toBe('0123456789')
    expect(new TextDecoder().decode(await cas.load(cid, { offset: 3, length: 4 }))).toBe('3456')
    expect(new TextDecoder().decode(await cas.load(cid, { suffix: 3 }))).toBe('789')
    await expect(cas.load(cid, { offset: 11 })).rejects.toBeInstanceOf(InvalidRangeError)
  })

  it('loads by multihash, whatever codec the CID is labelled with', async () => {
    const cas = new InMemoryCAS()
    const raw = await cas.save(bytes('x'), 'raw')
    const relabelled = CID.createV1(0x71, raw.multihash)
    expect(await cas.load(relabelled)).toEqual(bytes('x'))
    expect(cas.has(relabelled)).toBe(true)
  })

  it('counts distinct blocks and bytes', async () => {
    const cas = new InMemoryCAS()
    await cas.save(bytes('abc'), 'raw')
    await cas.save(bytes('abc'), 'dag-cbor')
    await cas.save(bytes('de'), 'raw')
    expect(cas.blockCount).toBe(2)
    expect(cas.byteLength).toBe(5)
  })

  it('gives a typed not-found error naming the CID', async () => {
    const cas = new InMemoryCAS()
    const cid = await new InMemoryCAS().save(bytes('elsewhere'), 'raw')
    const error = await cas.load(cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BlockNotFoundError)
    expect((error as BlockNotFoundError).cid.equals(cid)).toBe(true)
    expect((error as Error).message).toContain(cid.toString())
  })

  it('rejects bad input and honours an aborted signal', async () => {
    const cas = new InMemoryCAS()
    await expect(cas.save(bytes('a'), 'dag-pb' as 'raw')).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(cas.save('text' as unknown as Uint8Array, 'raw')).rejects.toThrow(/must be a Uint8Array/)
    await expect(cas.load('bafy' as unknown as CID)).rejects.toThrow(/id must be a CID/)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(cas.save(bytes('a'), 'raw', { signal: controller.signal })).rejects.toThrow('stop')
  })

  it('tells apart multihashes that share their last four bytes', async () => {
    const cas = new InMemoryCAS()
    const saved = await cas.save(bytes('one'), 'raw')
    // Identity multihashes carry their data as the digest, so collisions in the index are easy to make:
    // the same length as a BLAKE3-256 multihash, and the same last four bytes.
    const digest = new Uint8Array(32).fill(0x61)
    digest.set(saved.multihash.digest.subarray(28), 28)
    const a = CID.createV1(0x55, { code: 0, size: 32, digest, bytes: new Uint8Array([0, 32, ...digest]) })
    expect(a.multihash.bytes.length).toBe(saved.multihash.bytes.length)
    expect(cas.has(a)).toBe(false)
    await expect(cas.load(a)).rejects.toBeInstanceOf(BlockNotFoundError)
    expect(cas.has(saved)).toBe(true)
  })

  it('keeps every block of many, small and large, through table growth and chunk rollover', async () => {
    const cas = new InMemoryCAS()
    const saved: [CID, Uint8Array][] = []
    // 5,000 small blocks grow the table several times and fill several 1 MiB chunks; a few large ones
    // (half a MiB, one block each) get buffers of their own in between.
    for (let i = 0; i < 5_000; i++) {
      const size = i % 1000 === 999 ? 512 * 1024 - i : 1 + ((i * 7919) % 600)
      const data = Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 0xff)
      saved.push([await cas.save(data, 'raw'), data])
    }
    expect(cas.blockCount).toBe(5_000)
    for (const [cid, data] of saved) expect(Buffer.compare(await cas.load(cid), data)).toBe(0)
    const [lastCid, lastData] = saved.at(-1) as [CID, Uint8Array]
    expect(await cas.load(lastCid, { suffix: 2 })).toEqual(lastData.subarray(-2))
    expect(await cas.save(lastData, 'raw')).toEqual(lastCid)
    expect(cas.blockCount).toBe(5_000)
  })

  it('finds a block by a CID whose multihash is not at a fixed place in its bytes', async () => {
    const cas = new InMemoryCAS()
    const data = bytes('placed')
    const cid = await cas.save(data, 'raw')
    // A codec of 0x80 or more takes two varint bytes; the multihash starts one byte later.
    const wide = CID.createV1(0x0129, cid.multihash)
    expect(wide.bytes.length).toBe(cid.bytes.length + 1)
    expect(await cas.load(wide)).toEqual(data)
    expect(cas.has(wide)).toBe(true)
    const other = CID.createV1(0x0129, (await new InMemoryCAS().save(bytes('other'), 'raw')).multihash)
    expect(cas.has(other)).toBe(false)
  })

  it('stores a value over 1 MiB as Kubo’s UnixFS file and reads it and its ranges back', async () => {
    const cas = new InMemoryCAS()
    let x = 7
    // Pseudo-random bytes, so no two 1 MiB leaves are alike.
    const data = new Uint8Array(3 * 1_048_576 + 10).map(() => {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0
      return x >>> 24
    })
    const cid = await cas.save(data, 'raw')
    // dag-pb, whatever codec was asked for, as KuboCAS returns it; the root and four raw leaves.
    expect(cid.code).toBe(0x70)
    expect(cid.multihash.code).toBe(0x1e)
    expect((await cas.save(data, 'dag-cbor')).equals(cid)).toBe(true)
    expect(cas.blockCount).toBe(5)
    expect(await cas.load(cid)).toEqual(data)
    expect(await cas.load(cid, { offset: 1_048_570, length: 12 })).toEqual(data.subarray(1_048_570, 1_048_582))
    expect(await cas.load(cid, { suffix: 4 })).toEqual(data.subarray(data.length - 4))
    await expect(cas.load(cid, { offset: data.length + 1 })).rejects.toBeInstanceOf(InvalidRangeError)
    // Block-level reads give the UnixFS node, not the file.
    expect((await cas.loadBlock(cid)).length).toBeLessThan(300)
    // The caller's array is not kept.
    const expected = data.slice()
    data.fill(1)
    expect(await cas.load(cid)).toEqual(expected)
    data.set(expected)
    // Exactly 1 MiB is still one block with the codec asked for.
    const one = await cas.save(data.subarray(0, 1_048_576), 'raw')
    expect(one.code).toBe(0x55)
  })

  it('takes blocks put by CID, and gives block-level not-found errors', async () => {
    const cas = new InMemoryCAS()
    const cid = await new InMemoryCAS().save(bytes('put'), 'raw')
    await expect(cas.loadBlock(cid)).rejects.toBeInstanceOf(BlockNotFoundError)
    await cas.putBlock(cid, bytes('put'))
    expect(await cas.loadBlock(cid)).toEqual(bytes('put'))
    await expect(cas.loadBlock('x' as unknown as CID)).rejects.toThrow(/id must be a CID/)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(cas.putBlock(cid, bytes('put'), controller)).rejects.toThrow('stop')
    await expect(cas.load(cid, undefined, controller)).rejects.toThrow('stop')
  })
})
