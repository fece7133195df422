import { HAMT } from '@hamt/core'
import { describe, expect, test } from 'vitest'
import { ZarrHAMTStore } from '../src/index.js'
import { FakeRecordingCAS } from './fake-cas.js'
import { utf8, writableStore } from './helpers.js'

const bytesOf = (length: number, fill: number) => new Uint8Array(length).fill(fill)

describe('the range cache', () => {
  test('a range read after the same key is overwritten returns the new bytes, not the cached old ones', async () => {
    const { store } = await writableStore()
    await store.set('/temp/c/0', utf8.encode('old value, long enough'))
    expect(await store.getRange('/temp/c/0', { offset: 0, length: 3 })).toEqual(utf8.encode('old'))
    await store.set('/temp/c/0', utf8.encode('new value, long enough'))
    expect(await store.getRange('/temp/c/0', { offset: 0, length: 3 })).toEqual(utf8.encode('new'))
    expect(await store.getRange('/temp/c/0', { suffixLength: 6 })).toEqual(utf8.encode('enough'))
    const root = await store.commit()
    const reader = new ZarrHAMTStore(
      await HAMT.build<Uint8Array>({ cas: store.hamt.cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }),
    )
    expect(await reader.getRange('/temp/c/0', { offset: 0, length: 3 })).toEqual(utf8.encode('new'))
  })

  test('keeps at most rangeCacheMaxBytes of values: past it the oldest are loaded again', async () => {
    const { store, cas } = await writableStore()
    for (let i = 0; i < 4; i++) await store.set(`/temp/c/${i}`, bytesOf(1000, i))
    const root = await store.commit()
    const recording = new FakeRecordingCAS({ over: cas })
    const hamt = await HAMT.build<Uint8Array>({
      cas: recording,
      rootNodeId: root,
      readOnly: true,
      valuesAreBytes: true,
    })
    // Room for two 1000-byte values, not three.
    const reader = new ZarrHAMTStore(hamt, { rangeCacheMaxBytes: 2500 })
    const valueLoads = () => recording.loads.filter((load) => load.cid.code === 0x55).length

    for (const i of [0, 1])
      expect(await reader.getRange(`/temp/c/${i}`, { offset: 0, length: 1 })).toEqual(bytesOf(1, i))
    expect(valueLoads()).toBe(2)
    // Both fit: reading them again loads nothing.
    for (const i of [0, 1]) await reader.getRange(`/temp/c/${i}`, { offset: 10, length: 1 })
    expect(valueLoads()).toBe(2)
    // A third value evicts the least recently used (0); 1 stays.
    await reader.getRange('/temp/c/2', { offset: 0, length: 1 })
    await reader.getRange('/temp/c/1', { offset: 0, length: 1 })
    expect(valueLoads()).toBe(3)
    await reader.getRange('/temp/c/0', { offset: 0, length: 1 })
    expect(valueLoads()).toBe(4)
  })
})
