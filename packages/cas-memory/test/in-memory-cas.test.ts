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
})
