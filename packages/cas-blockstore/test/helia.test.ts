import { InMemoryCAS } from '@hamt/cas-memory'
import { blake3Hasher, type CID, type ContentAddressedStore, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createHeliaLight } from 'helia'
import type { Blockstore } from 'interface-blockstore'
import { describe, expect, it } from 'vitest'
import * as zarr from 'zarrita'
import { BlockstoreCAS, casAsBlockstore } from '../src/index.js'

/**
 * A Helia node that speaks only TCP on 127.0.0.1 and bitswap: no bootstrap peers, no DHT, no
 * delegated routing, nothing leaves the machine. BLAKE3 is added so it can check fetched blocks.
 */
async function startNode(blockstore?: Blockstore) {
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ hashers: [blake3Hasher], ...(blockstore ? { blockstore } : {}) }), {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    }),
  )
  await helia.start()
  return helia
}

const SHAPE = [1200, 512]
const value = (i: number) => Math.cos(i / 311) * 25 + (i % 7)

/** A Zarr dataset whose two chunks (1.2 MB each) are UnixFS files of two leaves. */
async function writeDataset(cas: ContentAddressedStore): Promise<CID> {
  const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
  const store = new ZarrHAMTStore(hamt)
  await zarr.create(store, { attributes: { title: 'over bitswap' } })
  const temp = await zarr.create(zarr.root(store).resolve('temp'), {
    shape: SHAPE,
    chunkShape: [600, 512],
    dtype: 'float32',
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    fillValue: 0,
  })
  const data = Float32Array.from({ length: 1200 * 512 }, (_, i) => value(i))
  await zarr.set(temp, null, { data, shape: SHAPE, stride: [512, 1] })
  return store.commit()
}

describe('Helia', () => {
  it('a second node that knows only the root CID reads a dataset over bitswap on 127.0.0.1', {
    timeout: 90_000,
  }, async () => {
    const writer = await startNode()
    const reader = await startNode()
    try {
      const root = await writeDataset(new BlockstoreCAS(writer.blockstore, { name: 'writer' }))
      await reader.libp2p.dial(writer.libp2p.getMultiaddrs())

      const cas = new BlockstoreCAS(reader.blockstore, { name: 'reader' })
      expect(await reader.blockstore.has(root)).toBe(false) // nothing copied by hand
      const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
      const group = await zarr.open(zarr.root(new ZarrHAMTStore(hamt)), { kind: 'group' })
      expect(group.attrs).toEqual({ title: 'over bitswap' })
      const temp = await zarr.open(zarr.root(new ZarrHAMTStore(hamt)).resolve('temp'), { kind: 'array' })
      const column = await zarr.get(temp, [zarr.slice(595, 605), 3])
      expect(Array.from(column.data as Float32Array)).toEqual(
        Array.from({ length: 10 }, (_, k) => Math.fround(value((595 + k) * 512 + 3))),
      )
      // The blocks came over the network and are now the reader's own.
      expect(await reader.blockstore.has(root)).toBe(true)
      expect((await hamt.getPointer('temp/c/1/0'))?.code).toBe(0x70)
    } finally {
      await reader.stop()
      await writer.stop()
    }
  })

  it('serves a dataset held in an InMemoryCAS to peers, through casAsBlockstore', { timeout: 90_000 }, async () => {
    const memory = new InMemoryCAS()
    const root = await writeDataset(memory)
    const server = await startNode(casAsBlockstore(memory))
    const reader = await startNode()
    try {
      await reader.libp2p.dial(server.libp2p.getMultiaddrs())
      const hamt = await HAMT.build<Uint8Array>({
        cas: new BlockstoreCAS(reader.blockstore),
        rootNodeId: root,
        readOnly: true,
        valuesAreBytes: true,
      })
      const temp = await zarr.open(zarr.root(new ZarrHAMTStore(hamt)).resolve('temp'), { kind: 'array' })
      const cell = await zarr.get(temp, [1199, 511])
      expect(cell).toBe(Math.fround(value(1199 * 512 + 511)))
    } finally {
      await reader.stop()
      await server.stop()
    }
  })
})
