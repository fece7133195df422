import { KuboCAS } from '@hamt/cas-kubo'
import { type ByteRange, type ContentAddressedStore, HAMT } from '@hamt/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { ZarrHAMTStore } from '../src/index.js'

const DAG_PB = 0x70

// The fake in fake-cas.ts labels large values dag-pb; this checks the same path against a real IPFS
// node, where Kubo's chunker really splits a value into several blocks.
describe('range reads of a chunk the IPFS node split into several blocks (dag-pb)', () => {
  let node: IpfsNode
  beforeAll(async () => {
    node = await startIpfsNode()
  }, 120_000)
  afterAll(async () => {
    await node?.stop()
  })

  it('pass the range down to the gateway instead of loading the whole chunk', async () => {
    const writer = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl, chunker: 'size-65536' })
    const hamt = await HAMT.build<Uint8Array>({ cas: writer, valuesAreBytes: true })
    const store = new ZarrHAMTStore(hamt)
    const chunk = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff)
    await store.set('/big/c/0', chunk)
    const root = await store.commit()
    expect((await hamt.getPointer('big/c/0'))?.code).toBe(DAG_PB)
    await writer.close()

    // A reader with only the gateway, noting every range asked of the store for a dag-pb block.
    const gateway = new KuboCAS({ gatewayBaseUrl: node.gatewayUrl })
    const asked: (ByteRange | undefined)[] = []
    const noting: ContentAddressedStore = {
      save: (data, codec, options) => gateway.save(data, codec, options),
      load: (cid, range, options) => {
        if (cid.code === DAG_PB) asked.push(range)
        return gateway.load(cid, range, options)
      },
    }
    const reader = new ZarrHAMTStore(
      await HAMT.build<Uint8Array>({ cas: noting, rootNodeId: root, readOnly: true, valuesAreBytes: true }),
    )
    expect(await reader.getRange('/big/c/0', { offset: 70_000, length: 100_000 })).toEqual(
      chunk.subarray(70_000, 170_000),
    )
    expect(await reader.getRange('/big/c/0', { suffixLength: 10 })).toEqual(chunk.subarray(-10))
    expect(asked).toEqual([{ offset: 70_000, length: 100_000 }, { suffix: 10 }])
    expect(await reader.get('/big/c/0')).toEqual(chunk)
    await gateway.close()
  })
})
