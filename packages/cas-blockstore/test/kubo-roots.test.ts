import { KuboCAS } from '@hamt/cas-kubo'
import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, type ContentAddressedStore, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as zarr from 'zarrita'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { BlockstoreCAS } from '../src/index.js'
import { fsBlockstore } from './helpers.js'

let node: IpfsNode
beforeAll(async () => {
  node = await startIpfsNode()
})
afterAll(async () => {
  await node?.stop()
})

/** A float32 dataset of two 1024×1024 chunks: 4 MiB each uncompressed, so each is a UnixFS file. */
async function writeDataset(cas: ContentAddressedStore): Promise<CID> {
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  const store = new ZarrHAMTStore(hamt)
  await zarr.create(store, { attributes: { title: '4 MiB chunks' } })
  const temp = await zarr.create(zarr.root(store).resolve('temp'), {
    shape: [2048, 1024],
    chunkShape: [1024, 1024],
    dtype: 'float32',
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    fillValue: 0,
  })
  const data = Float32Array.from({ length: 2048 * 1024 }, (_, i) => Math.sin(i / 977) * 40 + (i % 13))
  await zarr.set(temp, null, { data, shape: [2048, 1024], stride: [1024, 1] })
  return store.commit()
}

describe('a dataset with 4 MiB chunks', () => {
  it('has the same root in memory, in blockstore-fs and on the IPFS node, and reads back by range', async () => {
    const kubo = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
    const fixture = await fsBlockstore()
    try {
      const memory = new InMemoryCAS()
      const inMemory = await writeDataset(memory)
      const onDisk = await writeDataset(new BlockstoreCAS(fixture.blockstore))
      const onNode = await writeDataset(kubo)
      expect(inMemory.toString()).toBe(onNode.toString())
      expect(onDisk.toString()).toBe(onNode.toString())

      // The chunk is a dag-pb UnixFS file, read back here without the node.
      const hamt = await HAMT.build<Uint8Array>({
        cas: new BlockstoreCAS(fixture.blockstore),
        rootNodeId: onDisk,
        readOnly: true,
        valuesAreBytes: true,
      })
      expect((await hamt.getPointer('temp/c/1/0'))?.code).toBe(0x70)
      const temp = await zarr.open(zarr.root(new ZarrHAMTStore(hamt)).resolve('temp'), { kind: 'array' })
      const row = await zarr.get(temp, [1500, zarr.slice(10, 14)])
      const expected = [10, 11, 12, 13].map((j) => {
        const i = 1500 * 1024 + j
        return Math.fround(Math.sin(i / 977) * 40 + (i % 13))
      })
      expect(Array.from(row.data as Float32Array)).toEqual(expected)
    } finally {
      await kubo.close()
      await fixture.cleanup()
    }
  })
})
