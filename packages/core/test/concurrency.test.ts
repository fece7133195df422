import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { HAMT } from '../src/index.js'
import { collect } from './collect.js'
import { FaultInjectingCAS } from './fault-injecting-cas.js'

const N = 2000
const keys = Array.from({ length: N }, (_, i) => `k${i}`)

async function committedTree(cas: FaultInjectingCAS | InMemoryCAS) {
  const hamt = await HAMT.build({ cas })
  for (const key of keys) await hamt.set(key, key.toUpperCase())
  await hamt.makeReadOnly()
  return hamt.rootNodeId
}

describe('write mode', () => {
  it('applies concurrent sets in call order, however their value saves finish', async () => {
    const cas = new FaultInjectingCAS()
    // Later saves finish first.
    cas.onSave = (codec, n) => (codec === 'raw' ? Math.max(0, 20 - n) : undefined)
    const hamt = await HAMT.build({ cas })
    await Promise.all(Array.from({ length: 20 }, (_, i) => hamt.set('same', i)))
    expect(await hamt.get('same')).toBe(19)
  })

  it('a set made once the set before it is done still waits for one queued behind that', async () => {
    const cas = new FaultInjectingCAS()
    // Slow saves: the set queued behind a finished one is still waiting when the next set comes.
    cas.onSave = (codec, n) => (codec === 'raw' && (n === 2 || n === 6 || n === 8) ? 30 : undefined)
    const hamt = await HAMT.build({ cas })
    // Behind a set that went straight through...
    const first = hamt.set('x', 'first')
    const slow = hamt.set('y', 'slow')
    await first
    const last = hamt.set('y', 'last')
    await Promise.all([slow, last])
    expect(await hamt.get('y')).toBe('last')
    // ...and behind one that waited its turn.
    const a = hamt.set('a', 1)
    const b = hamt.set('b', 2)
    const slowToo = hamt.set('c', 'slow')
    await Promise.all([a, b])
    const lastToo = hamt.set('c', 'last')
    await Promise.all([slowToo, lastToo])
    expect(await hamt.get('c')).toBe('last')
    // ...and behind a delete.
    const deleted = hamt.delete('x')
    const slowAgain = hamt.set('d', 'slow')
    await deleted
    const lastAgain = hamt.set('d', 'last')
    await Promise.all([slowAgain, lastAgain])
    expect(await hamt.get('d')).toBe('last')
  })

  it('a set whose value save fails rejects alone: the writes after it, awaited or not, take effect in order', async () => {
    const cas = new FaultInjectingCAS()
    cas.onSave = (codec, n) => (codec === 'raw' && (n === 2 || n === 4) ? new Error('store down') : undefined)
    const hamt = await HAMT.build({ cas })
    await hamt.set('a', 1)
    // Nothing queued: the failing set's insert would have followed its save directly.
    await expect(hamt.set('b', 2)).rejects.toThrow('store down')
    // Behind it, one set in turn, one failing, one overwriting.
    const results = await Promise.allSettled([hamt.set('c', 3), hamt.set('d', 4), hamt.set('c', 5)])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    // The queue is free again, and alone a set goes straight through.
    await hamt.set('e', 6)
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => hamt.get(key)))).toEqual([
      1,
      undefined,
      5,
      undefined,
      6,
    ])
    await hamt.makeReadOnly()
    const fresh = await HAMT.build({ cas: new InMemoryCAS() })
    for (const [key, value] of [
      ['a', 1],
      ['c', 5],
      ['e', 6],
    ] as const)
      await fresh.set(key, value)
    await fresh.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(fresh.rootNodeId.toString())
  })

  it('loses nothing under many unawaited sets and deletes', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS(), maxBucketSize: 2 })
    await Promise.all(keys.map((key) => hamt.set(key, key)))
    await Promise.all(keys.filter((_, i) => i % 2 === 0).map((key) => hamt.delete(key)))
    expect(await hamt.size()).toBe(N / 2)
    for (const [i, key] of keys.entries()) expect(await hamt.get(key)).toBe(i % 2 === 0 ? undefined : key)
  })

  it('a read sees every completed write, also on a tree loaded lazily from the store', async () => {
    const cas = new InMemoryCAS()
    const root = await committedTree(cas)
    const hamt = await HAMT.build({ cas, rootNodeId: root })
    for (const key of keys.slice(0, 300)) {
      await hamt.set(key, 'new')
      expect(await hamt.get(key)).toBe('new')
    }
    // Concurrent reads of unloaded parts while writes load the same nodes.
    const reads = keys.map((key) => hamt.get(key))
    const writes = keys.slice(300, 600).map((key) => hamt.set(key, 'newer'))
    const values = await Promise.all(reads)
    await Promise.all(writes)
    for (const [i, value] of values.entries()) {
      expect(['new', 'newer', keys[i]?.toUpperCase()]).toContain(value)
    }
    for (const key of keys.slice(300, 600)) expect(await hamt.get(key)).toBe('newer')
  })

  it('iterates a snapshot, so writing inside the loop neither deadlocks nor disturbs it', async () => {
    const hamt = await HAMT.build({ cas: new InMemoryCAS(), maxBucketSize: 1 })
    for (const key of keys.slice(0, 200)) await hamt.set(key, 1)
    const seen: string[] = []
    for await (const key of hamt.keys()) {
      seen.push(key)
      await hamt.set(`${key}-copy`, 2)
      await hamt.delete(key)
    }
    expect(seen.sort()).toEqual(keys.slice(0, 200).sort())
    expect(await hamt.size()).toBe(200)
    expect(await hamt.has('k0')).toBe(false)
  })

  it('commits nothing when nothing changed', async () => {
    const cas = new FaultInjectingCAS()
    const root = await committedTree(cas)
    const hamt = await HAMT.build({ cas, rootNodeId: root })
    await hamt.get('k1')
    await hamt.set('k1', 'K1')
    await hamt.delete('absent')
    cas.reset()
    await hamt.makeReadOnly()
    expect(cas.saves['dag-cbor']).toBe(0)
    expect(hamt.rootNodeId.equals(root)).toBe(true)
  })
})

describe('a store failing during makeReadOnly()', () => {
  for (const failAt of [1, 5, 40]) {
    it(`loses nothing when save #${failAt} fails, and a retry gives the same root`, async () => {
      const expected = await committedTree(new InMemoryCAS())
      const cas = new FaultInjectingCAS()
      const hamt = await HAMT.build({ cas })
      for (const key of keys) await hamt.set(key, key.toUpperCase())
      cas.reset()
      cas.onSave = (codec, n) => (codec === 'dag-cbor' && n === failAt ? new Error('disk full') : undefined)
      await expect(hamt.makeReadOnly()).rejects.toThrow('disk full')
      expect(hamt.readOnly).toBe(false)
      expect(await hamt.get('k7')).toBe('K7')
      const savedBefore = cas.saves['dag-cbor']
      await hamt.makeReadOnly()
      expect(hamt.readOnly).toBe(true)
      expect(hamt.rootNodeId.equals(expected)).toBe(true)
      // The retry saved only what was missing.
      expect(cas.saves['dag-cbor'] - savedBefore).toBeLessThan(savedBefore)
      const reopened = await HAMT.build({ cas: cas.inner, rootNodeId: hamt.rootNodeId, readOnly: true })
      expect(await reopened.size()).toBe(N)
    })
  }
})

describe('read-only mode', () => {
  it('loads each node once for any number of concurrent reads', async () => {
    const cas = new FaultInjectingCAS()
    const root = await committedTree(cas)
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true })
    cas.reset()
    const values = await Promise.all(keys.map((key) => hamt.get(key)))
    expect(values).toEqual(keys.map((key) => key.toUpperCase()))
    const nodeLoads = cas.loads.filter((cid) => cid.startsWith('bafyr'))
    expect(nodeLoads.length).toBe(new Set(nodeLoads).size)
    expect(nodeLoads.length).toBeGreaterThan(1)
  })

  it('keeps the node cache within cacheMaxBytes and still answers correctly', async () => {
    const cas = new InMemoryCAS()
    const root = await committedTree(cas)
    const limit = 32 * 1024
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true, maxBucketSize: 1, cacheMaxBytes: limit })
    expect(await hamt.get('k0')).toBe('K0')
    await hamt.cacheVacate()
    const rootSize = await hamt.cacheSize() // the root, kept apart from the cache
    expect(rootSize).toBeGreaterThan(0)
    let most = 0
    for (const key of keys) {
      expect(await hamt.get(key)).toBe(key.toUpperCase())
      most = Math.max(most, await hamt.cacheSize())
    }
    expect(most).toBeLessThanOrEqual(limit + rootSize)
    expect(most).toBeGreaterThan(limit / 2)
    await hamt.cacheVacate()
    expect(await hamt.cacheSize()).toBe(rootSize)
  })

  it('surfaces a failed node load to every waiting reader, then recovers', async () => {
    const cas = new FaultInjectingCAS()
    const root = await committedTree(cas)
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true })
    cas.onLoad = (cid) => (cid.equals(root) ? new Error('gateway down') : undefined)
    const results = await Promise.allSettled(keys.slice(0, 10).map((key) => hamt.get(key)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    cas.onLoad = () => undefined
    expect(await hamt.get('k3')).toBe('K3')
    expect((await collect(hamt.keys())).length).toBe(N)
  })
})
