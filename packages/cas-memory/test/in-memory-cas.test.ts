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
    // Identity multihashes carry their data as the digest, so collisions in the index are easy to make.
    const a = CID.createV1(0x55, {
      code: 0,
      size: 5,
      digest: bytes('a1234'),
      bytes: new Uint8Array([0, 5, ...bytes('a1234')]),
    })
    expect(cas.has(a)).toBe(false)
    await cas.save(bytes('one'), 'raw')
    expect(cas.has(a)).toBe(false)
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
