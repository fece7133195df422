import { InMemoryCAS } from '@hamt/cas-memory'
import { type ByteRange, blake3Cid, type CallOptions, type Codec, type ContentAddressedStore, HAMT } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { exporter } from 'ipfs-unixfs-exporter'
import { createUnsafe } from 'multiformats/block'
import { equals } from 'multiformats/bytes'
import type { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { BlockstoreCAS, casAsBlockstore, ReadOnlyBlockstoreError, UnsupportedOperationError } from '../src/index.js'
import { concatBytes, randomBytes } from './helpers.js'

const MiB = 1_048_576

/** A store with `save` and `load` only, as a user's own backend would be. */
class PlainCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }
  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.inner.load(id, range, options)
  }
}

describe('casAsBlockstore', () => {
  it('serves the blocks of a store, UnixFS files included, to ipfs-unixfs-exporter', async () => {
    for (const cas of [new InMemoryCAS(), new BlockstoreCAS(new MemoryBlockstore())]) {
      const data = randomBytes(2 * MiB + 9, 1)
      const cid = await cas.save(data, 'raw')
      const blockstore = casAsBlockstore(cas)
      const entry = await exporter(cid, blockstore)
      if (entry.type !== 'file') throw new Error(`expected a file, got ${entry.type}`)
      expect(equals(await concatBytes(entry.content({ offset: MiB, length: 10 })), data.subarray(MiB, MiB + 10))).toBe(
        true,
      )
      // The root block itself, not the file.
      const root = await concatBytes(blockstore.get(cid))
      expect(root.length).toBeLessThan(200)
      expect(await blockstore.has(cid)).toBe(true)
    }
  })

  it('copies a HAMT block by block into another blockstore, where it reads the same', async () => {
    const cas = new InMemoryCAS()
    const hamt = await HAMT.build({ cas })
    for (let i = 0; i < 300; i++) await hamt.set(`k${i}`, { i })
    await hamt.makeReadOnly()
    const source = casAsBlockstore(cas)
    const target = new MemoryBlockstore()
    // Follow every link from the root, as a CAR exporter would.
    let frontier: CID[] = [hamt.rootNodeId]
    let copied = 0
    while (frontier.length > 0) {
      const next: CID[] = []
      for await (const { cid, bytes } of source.getMany(frontier)) {
        const block = await concatBytes(bytes)
        await target.put(cid, block)
        copied++
        if (cid.code === dagCbor.code) {
          for (const [, link] of createUnsafe({ bytes: block, cid, codec: dagCbor }).links()) next.push(link)
        }
      }
      frontier = next
    }
    expect(copied).toBeGreaterThan(1)
    const copy = await HAMT.build({ cas: new BlockstoreCAS(target), rootNodeId: hamt.rootNodeId, readOnly: true })
    expect(await copy.get('k0')).toEqual({ i: 0 })
    expect(await copy.get('k299')).toEqual({ i: 299 })
  })

  it('answers not-found as blockstores do, and refuses writes and listing with typed errors', async () => {
    const blockstore = casAsBlockstore(new InMemoryCAS())
    const missing = blake3Cid(new Uint8Array([1]), 'raw')
    expect(await blockstore.has(missing)).toBe(false)
    const error = await concatBytes(blockstore.get(missing)).catch((e: unknown) => e)
    expect((error as Error).name).toBe('NotFoundError')
    expect((error as Error).message).toContain(missing.toString())
    await expect(blockstore.put(missing, new Uint8Array([1]))).rejects.toBeInstanceOf(ReadOnlyBlockstoreError)
    await expect(blockstore.delete(missing)).rejects.toThrow(/read-only/)
    await expect(concatBytes(blockstore.putMany([]) as never)).rejects.toBeInstanceOf(ReadOnlyBlockstoreError)
    await expect(concatBytes(blockstore.deleteMany([]) as never)).rejects.toBeInstanceOf(ReadOnlyBlockstoreError)
    const listing = await concatBytes(blockstore.getAll() as never).catch((e: unknown) => e)
    expect(listing).toBeInstanceOf(UnsupportedOperationError)
    expect((listing as UnsupportedOperationError).code).toBe('ERR_UNSUPPORTED')
  })

  it('serves single blocks of any store, and says why it cannot serve a UnixFS root from a plain one', async () => {
    const cas = new PlainCAS()
    const small = await cas.save(new Uint8Array([1, 2, 3]), 'raw')
    const big = await cas.save(randomBytes(MiB + 1, 2), 'raw')
    const blockstore = casAsBlockstore(cas)
    expect(await concatBytes(blockstore.get(small))).toEqual(new Uint8Array([1, 2, 3]))
    await expect(concatBytes(blockstore.get(big))).rejects.toThrow(/block-level reads/)
    await expect(blockstore.has(big)).rejects.toBeInstanceOf(UnsupportedOperationError)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(concatBytes(blockstore.get(small, controller))).rejects.toThrow('stop')
  })
})
