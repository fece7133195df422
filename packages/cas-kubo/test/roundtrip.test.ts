import { InMemoryCAS } from '@hamt/cas-memory'
import { CID } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { KuboCAS } from '../src/index.js'
import { randomBytes, sameBytes } from './helpers.js'

const rpcBaseUrl = inject('ipfsRpcUrl')
const gatewayBaseUrl = inject('ipfsGatewayUrl')

describe('KuboCAS round trips against a real IPFS node', () => {
  const cas = new KuboCAS({ rpcBaseUrl, gatewayBaseUrl })
  const memory = new InMemoryCAS()
  afterAll(() => cas.close())

  it('saves and loads raw bytes with the same CID as InMemoryCAS', async () => {
    const data = new TextEncoder().encode('hello, hamt')
    const cid = await cas.save(data, 'raw')
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(0x55)
    expect(cid.multihash.code).toBe(0x1e)
    expect(cid.equals(await memory.save(data, 'raw'))).toBe(true)
    expect(await cas.load(cid)).toEqual(data)
  })

  it('saves and loads dag-cbor with the same CID as InMemoryCAS', async () => {
    const data = dagCbor.encode({ a: 1, b: [true, null, 'x'], c: new Uint8Array([1, 2, 3]) })
    const cid = await cas.save(data, 'dag-cbor')
    expect(cid.code).toBe(0x71)
    expect(cid.equals(await memory.save(data, 'dag-cbor'))).toBe(true)
    expect(await cas.load(cid)).toEqual(data)
    expect(dagCbor.decode(await cas.load(cid))).toEqual({ a: 1, b: [true, null, 'x'], c: new Uint8Array([1, 2, 3]) })
  })

  it('saves and loads empty data', async () => {
    const cid = await cas.save(new Uint8Array(0), 'raw')
    expect(cid.equals(await memory.save(new Uint8Array(0), 'raw'))).toBe(true)
    expect(await cas.load(cid)).toEqual(new Uint8Array(0))
  })

  it('reads ranges of a single block, checked against the CID first', async () => {
    const data = randomBytes(5000, 7)
    const cid = await cas.save(data, 'raw')
    expect(await cas.load(cid, { offset: 10, length: 20 })).toEqual(data.subarray(10, 30))
    expect(await cas.load(cid, { offset: 4990 })).toEqual(data.subarray(4990))
    expect(await cas.load(cid, { offset: 4990, length: 100 })).toEqual(data.subarray(4990))
    expect(await cas.load(cid, { suffix: 7 })).toEqual(data.subarray(4993))
    expect(await cas.load(cid, { suffix: 10_000 })).toEqual(data)
    expect(await cas.load(cid, { offset: 5000 })).toEqual(new Uint8Array(0))
    await expect(cas.load(cid, { offset: 5001 })).rejects.toMatchObject({ code: 'ERR_INVALID_RANGE' })
    await expect(cas.load(cid, { offset: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_RANGE' })
  })

  describe('a 3 MB value (dag-pb, several chunks)', () => {
    const data = randomBytes(3 * 1024 * 1024 + 123, 42)
    const chunk = 1024 * 1024
    let cid: CID

    it('round-trips as a dag-pb CID', async () => {
      cid = await cas.save(data, 'raw')
      expect(cid.code).toBe(0x70)
      const loaded = await cas.load(cid)
      expect(loaded.length).toBe(data.length)
      expect(sameBytes(loaded, data)).toBe(true)
    })

    it.each([
      ['as verified CARs (the default)', true],
      ['with HTTP Range requests, unchecked', false],
    ])('reads ranges across chunk boundaries %s', async (_, verifyFiles) => {
      const reader = new KuboCAS({ gatewayBaseUrl, verifyFiles })
      expect(await reader.load(cid, { offset: chunk - 10, length: 20 })).toEqual(data.subarray(chunk - 10, chunk + 10))
      expect(
        sameBytes(
          await reader.load(cid, { offset: 2 * chunk - 1, length: chunk + 2 }),
          data.subarray(2 * chunk - 1, 3 * chunk + 1),
        ),
      ).toBe(true)
      expect(await reader.load(cid, { offset: 3 * chunk })).toEqual(data.subarray(3 * chunk))
      expect(await reader.load(cid, { suffix: 200 })).toEqual(data.subarray(data.length - 200))
      expect(await reader.load(cid, { offset: data.length - 5, length: 100 })).toEqual(data.subarray(data.length - 5))
      expect(await reader.load(cid, { offset: 100, length: 0 })).toEqual(new Uint8Array(0))
      expect(await reader.load(cid, { offset: data.length })).toEqual(new Uint8Array(0))
      expect(await reader.load(cid, { offset: data.length, length: 0 })).toEqual(new Uint8Array(0))
      await expect(reader.load(cid, { offset: data.length + 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_RANGE' })
      await reader.close()
    })

    it('reads a file whose chunks repeat (each block sent once)', async () => {
      const zeros = new Uint8Array(3 * chunk + 5)
      const zerosCid = await cas.save(zeros, 'raw')
      expect(zerosCid.code).toBe(0x70)
      expect(sameBytes(await cas.load(zerosCid), zeros)).toBe(true)
      expect(await cas.load(zerosCid, { offset: chunk - 2, length: 4 })).toEqual(new Uint8Array(4))
    })

    it('a file the gateway lacks is a BlockNotFoundError', async () => {
      const other = CID.createV1(0x70, (await memory.save(new TextEncoder().encode('no such file'), 'raw')).multihash)
      await expect(cas.load(other)).rejects.toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND' })
    })
  })

  it('reports a missing block as BlockNotFoundError naming the CID and URL', async () => {
    const absent = await memory.save(new TextEncoder().encode('never saved to IPFS'), 'raw')
    const error = await cas.load(absent).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_BLOCK_NOT_FOUND' })
    expect(String((error as Error).message)).toContain(absent.toString())
    expect(String((error as Error).message)).toContain(`${gatewayBaseUrl}/ipfs/${absent}`)
  })
})
