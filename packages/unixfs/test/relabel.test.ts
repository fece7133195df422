import { blake3Cid } from '@hamt/core'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { Blake3Relabeller } from '../src/relabel.js'
import { MapBlocks } from './helpers.js'

const RAW = 0x55
const DAG_PB = 0x70

describe('Blake3Relabeller', () => {
  it('relabels a leaf given in chunks, and a node linking to it', async () => {
    const store = new MapBlocks()
    const relabeller = new Blake3Relabeller(store)
    const leaf = new Uint8Array([1, 2, 3, 4])
    const leafCid = CID.createV1(RAW, await sha256.digest(leaf))
    await relabeller.put(leafCid, [leaf.subarray(0, 2), leaf.subarray(2)])
    expect(relabeller.resolve(leafCid).equals(blake3Cid(leaf, 'raw'))).toBe(true)

    const node = dagPb.encode(dagPb.prepare({ Links: [{ Hash: leafCid, Name: '', Tsize: 4 }] }))
    const nodeCid = CID.createV1(DAG_PB, await sha256.digest(node))
    await relabeller.put(nodeCid, node)
    const stored = dagPb.decode(await store.loadBlock(relabeller.resolve(nodeCid)))
    expect(stored.Links[0]?.Hash.equals(blake3Cid(leaf, 'raw'))).toBe(true)
  })

  it('refuses what the importer never does: unknown links, other codecs, nodes changing size', async () => {
    const relabeller = new Blake3Relabeller(new MapBlocks())
    const stranger = CID.createV1(RAW, await sha256.digest(new Uint8Array([9])))
    expect(() => relabeller.resolve(stranger)).toThrow(/before writing it/)
    const orphan = dagPb.encode(dagPb.prepare({ Links: [{ Hash: stranger, Name: '', Tsize: 1 }] }))
    await expect(relabeller.put(CID.createV1(DAG_PB, await sha256.digest(orphan)), orphan)).rejects.toThrow(
      /before writing it/,
    )
    const cbor = CID.createV1(0x71, await sha256.digest(new Uint8Array([0xa0])))
    await expect(relabeller.put(cbor, new Uint8Array([0xa0]))).rejects.toThrow(/unexpected block codec 0x71/)

    // A link under a 64-byte digest shrinks when relabelled with a 32-byte one.
    const leaf = new Uint8Array([7])
    const long = CID.createV1(RAW, await sha512.digest(leaf))
    await relabeller.put(long, leaf)
    const node = dagPb.encode(dagPb.prepare({ Links: [{ Hash: long, Name: '', Tsize: 1 }] }))
    await expect(relabeller.put(CID.createV1(DAG_PB, await sha256.digest(node)), node)).rejects.toThrow(
      /changed the size/,
    )
  })
})
