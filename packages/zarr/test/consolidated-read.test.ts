import { type ByteRange, type CallOptions, type CID, HAMT } from '@hamt/core'
import { expect, test, vi } from 'vitest'
import * as zarr from 'zarrita'
import { writeConsolidatedMetadata, ZarrHAMTStore, type ZarrHAMTStoreOptions } from '../src/index.js'
import { FakeRecordingCAS } from './fake-cas.js'

const RAW = 0x55

/** A dataset (root group, `temp` array) in a HAMT over a recording CAS, consolidated or not. */
async function dataset(consolidate: boolean) {
  const cas = new FakeRecordingCAS()
  const store = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await zarr.create(store, { attributes: { title: 'demo' } })
  const temp = await zarr.create(zarr.root(store).resolve('temp'), {
    shape: [4],
    chunkShape: [2],
    dtype: 'float32',
    attributes: { units: 'K' },
  })
  await zarr.set(temp, null, 1.5)
  if (consolidate) await writeConsolidatedMetadata(store)
  const root = await store.commit()
  const tempMetadata = await store.hamt.getPointer('temp/zarr.json')
  return { cas, root, tempMetadata }
}

async function open(
  cas: FakeRecordingCAS,
  root: Awaited<ReturnType<typeof dataset>>['root'],
  options?: ZarrHAMTStoreOptions,
) {
  const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
  return new ZarrHAMTStore(hamt, options)
}

test("an array's zarr.json is answered from the root's consolidated metadata: its own block's load is aborted", async () => {
  const { cas, root, tempMetadata } = await dataset(true)
  const store = await open(cas, root)
  cas.loads.length = 0
  const temp = await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })
  expect(temp.shape).toEqual([4])
  expect(temp.attrs).toEqual({ units: 'K' })
  expect(Array.from((await zarr.get(temp)).data as Float32Array)).toEqual([1.5, 1.5, 1.5, 1.5])
  // Its own block was asked for alongside the root's (in case there was no consolidation), then dropped.
  const own = cas.loads.filter((load) => tempMetadata?.equals(load.cid))
  expect(own).toHaveLength(1)
  expect(own[0]?.signal?.aborted).toBe(true)
  // What it answered parses as the node's metadata (no nested consolidation).
  const bytes = (await store.get('/temp/zarr.json')) as Uint8Array
  expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ node_type: 'array', shape: [4] })
  // A node the consolidation does not hold is looked up as usual.
  expect(await store.get('/nothing/zarr.json')).toBeUndefined()
})

test('without consolidation, or with consolidatedMetadata: false, the node is read from its own zarr.json', async () => {
  const plain = await dataset(false)
  const store = await open(plain.cas, plain.root)
  plain.cas.loads.length = 0
  const temp = await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })
  expect(temp.attrs).toEqual({ units: 'K' })
  expect(plain.cas.loads.some((load) => plain.tempMetadata?.equals(load.cid))).toBe(true)

  const consolidated = await dataset(true)
  const off = await open(consolidated.cas, consolidated.root, { consolidatedMetadata: false })
  consolidated.cas.loads.length = 0
  await zarr.open.v3(zarr.root(off).resolve('temp'), { kind: 'array' })
  const valueLoads = consolidated.cas.loads.filter((load) => load.cid.code === RAW)
  expect(valueLoads.map((load) => load.cid.toString())).toEqual([consolidated.tempMetadata?.toString()])
})

test('a stale consolidation is what a read-only store answers; a writable store reads the node itself', async () => {
  const cas = new FakeRecordingCAS()
  const store = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await zarr.create(store)
  await zarr.create(zarr.root(store).resolve('temp'), { shape: [4], chunkShape: [2], dtype: 'float32' })
  await writeConsolidatedMetadata(store)
  // Changed after consolidating: the writable store sees the change.
  await zarr.create(zarr.root(store).resolve('temp'), { shape: [8], chunkShape: [2], dtype: 'float32' })
  expect((await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })).shape).toEqual([8])
  const root = await store.commit()
  expect((await zarr.open.v3(zarr.root(await open(cas, root)).resolve('temp'), { kind: 'array' })).shape).toEqual([4])
  const fresh = await open(cas, root, { consolidatedMetadata: false })
  expect((await zarr.open.v3(zarr.root(fresh).resolve('temp'), { kind: 'array' })).shape).toEqual([8])
})

test('a root zarr.json that is not consolidated JSON leaves each node to its own zarr.json', async () => {
  const cas = new FakeRecordingCAS()
  const store = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))
  await store.set(
    'zarr.json',
    json({ zarr_format: 3, node_type: 'group', consolidated_metadata: { kind: 'inline', metadata: { temp: 3 } } }),
  )
  await zarr.create(zarr.root(store).resolve('temp'), { shape: [2], chunkShape: [2], dtype: 'int8' })
  await store.set('other/zarr.json', json({ zarr_format: 3, node_type: 'group', attributes: { a: 1 } }))
  const ro = await open(cas, await store.commit())
  // `temp` is not an object in the consolidation: read from its own zarr.json.
  expect((await zarr.open.v3(zarr.root(ro).resolve('temp'), { kind: 'array' })).shape).toEqual([2])
  expect((await zarr.open.v3(zarr.root(ro).resolve('other'), { kind: 'group' })).attrs).toEqual({ a: 1 })
})

test("without consolidation, the node's own zarr.json loads alongside the root's: no round trip spent waiting for it", async () => {
  const plain = await dataset(false)
  const rootMetadata = await (await open(plain.cas, plain.root)).hamt.getPointer('zarr.json')
  // A FAKE that holds the root zarr.json's load until released, and sees which loads start meanwhile.
  let release = (): void => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const startedWhileHeld: string[] = []
  let holding = false
  const holdingCas = {
    save: plain.cas.save.bind(plain.cas),
    async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
      if (holding) startedWhileHeld.push(id.toString())
      if (rootMetadata?.equals(id)) {
        holding = true
        await held
        holding = false
      }
      return plain.cas.load(id, range, options)
    },
  }
  const hamt = await HAMT.build<Uint8Array>({
    cas: holdingCas,
    rootNodeId: plain.root,
    readOnly: true,
    valuesAreBytes: true,
  })
  const store = new ZarrHAMTStore(hamt)
  const metadata = store.get('/temp/zarr.json')
  await vi.waitFor(() => expect(startedWhileHeld).toContain(plain.tempMetadata?.toString()), { timeout: 2000 })
  release()
  expect(JSON.parse(new TextDecoder().decode(await metadata))).toMatchObject({ node_type: 'array', shape: [4] })
})
