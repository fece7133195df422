import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { LocalDatasetStore } from '../src/store.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'zarr-climate-store-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('keeps blocks in blockstore-fs and the last root in a file, across reopening', async () => {
  const folder = path.join(dir, 'dataset')
  const store = await LocalDatasetStore.open(folder)
  expect(store.blocksDirectory).toBe(path.join(folder, 'blocks'))
  expect(await store.getRoot()).toBeUndefined()
  const hamt = await HAMT.build({ cas: store.cas })
  await hamt.set('a', { b: 1 })
  await hamt.makeReadOnly()
  await store.setRoot(hamt.rootNodeId)
  await store.close()
  // Same root as in memory: the store gives Kubo's CIDs.
  const inMemory = await HAMT.build({ cas: new InMemoryCAS() })
  await inMemory.set('a', { b: 1 })
  await inMemory.makeReadOnly()
  expect(hamt.rootNodeId.equals(inMemory.rootNodeId)).toBe(true)

  const reopened = await LocalDatasetStore.open(folder)
  const root = await reopened.getRoot()
  expect(root?.equals(hamt.rootNodeId)).toBe(true)
  const reader = await HAMT.build({ cas: reopened.cas, rootNodeId: root!, readOnly: true })
  expect(await reader.get('a')).toEqual({ b: 1 })
  expect((await readdir(folder)).sort()).toEqual(['blocks', 'root']) // no temporary file left
  await reopened.close()
})

test('says which file is damaged when the root file does not hold a CID', async () => {
  const store = await LocalDatasetStore.open(dir)
  await writeFile(path.join(dir, 'root'), 'not a cid\n')
  await expect(store.getRoot()).rejects.toThrow(`${path.join(dir, 'root')} does not hold a CID: "not a cid\\n"`)
  await store.close()
})
