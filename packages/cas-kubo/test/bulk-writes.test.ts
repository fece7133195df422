import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { KuboCAS, type KuboCASOptions, KuboRequestError } from '../src/index.js'
import { FaultProxy } from './fault-proxy.js'
import { randomBytes, sameBytes } from './helpers.js'

const rpcUrl = inject('ipfsRpcUrl')
const gatewayUrl = inject('ipfsGatewayUrl')

let rpc: FaultProxy

beforeAll(async () => {
  rpc = await FaultProxy.start(rpcUrl)
})
afterAll(() => rpc.close())
beforeEach(() => rpc.reset())

function bulk(options: KuboCASOptions = {}): KuboCAS {
  return new KuboCAS({
    rpcBaseUrl: rpc.url,
    gatewayBaseUrl: gatewayUrl,
    bulkWrites: true,
    initialDelayMs: 5,
    ...options,
  })
}

describe('bulk writes through dag/import', () => {
  it('a HAMT committed in CAR batches has the same root, and reads back through the gateway', async () => {
    const cas = bulk({ bulkWrites: { maxBlocks: 200 } })
    const hamt = await HAMT.build<number>({ cas })
    const reference = await HAMT.build<number>({ cas: new InMemoryCAS() })
    const n = 3000
    await Promise.all(
      Array.from({ length: n }, (_, i) => Promise.all([hamt.set(`k${i}`, i), reference.set(`k${i}`, i)])),
    )
    await hamt.makeReadOnly()
    await reference.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(reference.rootNodeId.toString())
    const imports = rpc.seen('/api/v0/dag/import')
    expect(rpc.seen('/api/v0/add')).toHaveLength(0)
    expect(imports.length).toBeGreaterThan(0)
    expect(imports.every((r) => r.path.includes('pin-roots=false'))).toBe(true)

    const reader = new KuboCAS({ gatewayBaseUrl: gatewayUrl })
    const copy = await HAMT.build<number>({ cas: reader, rootNodeId: hamt.rootNodeId, readOnly: true })
    expect(await copy.size()).toBe(n)
    const sample = Array.from({ length: 100 }, (_, j) => (j * 29) % n)
    expect(await Promise.all(sample.map((i) => copy.get(`k${i}`)))).toEqual(sample)
    await reader.close()
    await cas.close()
  })

  it('blocks saved together go in one CAR; the CIDs are those add gives', async () => {
    const cas = bulk()
    const viaAdd = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
    const blocks = Array.from({ length: 20 }, (_, i) => randomBytes(100 + i, 100 + i))
    const cbor = dagCbor.encode({ bulk: true })
    const cids = await Promise.all([...blocks.map((b) => cas.save(b, 'raw')), cas.save(cbor, 'dag-cbor')])
    expect(rpc.seen('/api/v0/dag/import')).toHaveLength(1)
    for (const [i, data] of blocks.entries()) expect(cids[i]?.equals(await viaAdd.save(data, 'raw'))).toBe(true)
    expect(cids[20]?.equals(await viaAdd.save(cbor, 'dag-cbor'))).toBe(true)
    expect(cids[20]?.code).toBe(0x71)
    expect(await viaAdd.load(cids[3] as never)).toEqual(blocks[3])
    expect(dagCbor.decode(await viaAdd.load(cids[20] as never))).toEqual({ bulk: true })
    await viaAdd.close()
  })

  it('pins as add pins', async () => {
    const viaAdd = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl, pinOnAdd: true })
    const viaImport = bulk({ pinOnAdd: true })
    const a = await viaAdd.save(dagCbor.encode({ pinned: 'by add' }), 'dag-cbor')
    const b = await viaImport.save(dagCbor.encode({ pinned: 'by import' }), 'dag-cbor')
    expect(rpc.seen('/api/v0/dag/import')[0]?.path).toContain('pin-roots=true')
    const pins = await viaAdd.pinLs()
    const pinOf = (cid: typeof a) => pins.find((pin) => equalBytes(pin.cid.multihash.bytes, cid.multihash.bytes))
    expect(pinOf(a)).toBeDefined()
    expect(pinOf(b)).toEqual({ cid: expect.objectContaining({ code: pinOf(a)?.cid.code }), type: pinOf(a)?.type })
    await viaAdd.close()
  })

  it('an import whose answer does not report every pin is refused', async () => {
    const cas = bulk({ pinOnAdd: true })
    rpc.plan = () => ({
      kind: 'rewrite',
      rewrite: () => Buffer.from(`${JSON.stringify({ Root: { Cid: { '/': 'bafkqaaa' }, PinErrorMsg: '' } })}\n`),
    })
    await expect(cas.save(randomBytes(30, 40), 'raw')).rejects.toThrow('did not report pinning 1 of the 1 blocks')
    rpc.plan = () => ({
      kind: 'rewrite',
      rewrite: () =>
        Buffer.from(`${JSON.stringify({ Root: { Cid: { '/': 'bafkqaaa' }, PinErrorMsg: 'disk full' } })}\n`),
    })
    await expect(cas.save(randomBytes(30, 41), 'raw')).rejects.toThrow('disk full')
    rpc.plan = () => ({ kind: 'rewrite', rewrite: () => Buffer.from('not json\n') })
    await expect(cas.save(randomBytes(30, 42), 'raw')).rejects.toMatchObject({ code: 'ERR_INVALID_RESPONSE' })
  })

  it('data over one chunk, or a hasher not computed here, still goes through add', async () => {
    const cas = bulk()
    const big = randomBytes(1024 * 1024 + 1, 7)
    const cid = await cas.save(big, 'raw')
    expect(cid.code).toBe(0x70)
    expect(rpc.seen('/api/v0/add')).toHaveLength(1)
    const other = bulk({ hasher: 'sha3-256' })
    // Whether or not the test node knows sha3-256, the request is an add.
    await other.save(randomBytes(10, 8), 'raw').catch(() => undefined)
    expect(rpc.seen('/api/v0/add')).toHaveLength(2)
    expect(rpc.seen('/api/v0/dag/import')).toHaveLength(0)
    expect(sameBytes(await cas.load(cid), big)).toBe(true)
  })

  it('a failed import fails every save of its batch', async () => {
    rpc.plan = (r) => (r.path.startsWith('/api/v0/dag/import') ? { kind: 'status', status: 400 } : { kind: 'pass' })
    const cas = bulk()
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => cas.save(randomBytes(50, i), 'raw')))
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof KuboRequestError)).toBe(true)
    expect(rpc.seen('/api/v0/dag/import')).toHaveLength(1)
  })

  it('bad bulkWrites options are refused', () => {
    for (const bulkWrites of [{ maxBlocks: 0 }, { maxBytes: -1 }, { delayMs: Number.NaN }, 'yes']) {
      expect(() => bulk({ bulkWrites: bulkWrites as never })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    }
  })
})

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
