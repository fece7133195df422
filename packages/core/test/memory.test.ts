import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { HAMT } from '../src/index.js'
import { FaultInjectingCAS } from './fault-injecting-cas.js'

// cacheMaxBytes bounds memory, measured here as V8 sees it after a full collection: its heap and
// the ArrayBuffers outside it (a read-only node is its block's bytes).
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heap = (): number => {
  gc()
  gc()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

const N = 20_000
const entries = () => Array.from({ length: N }, (_, i) => [`key-${i}`, i] as const)
const MiB = 1024 * 1024

async function committed(cas: InMemoryCAS) {
  const h = await HAMT.build({ cas, cacheMaxBytes: Number.POSITIVE_INFINITY })
  for (const [key, value] of entries()) await h.set(key, value)
  await h.makeReadOnly()
  return h.rootNodeId
}

/** Checks that the HAMT `fill` makes reports within 2× of the heap it holds (measured while it lives). */
async function expectReportedWithin2x(fill: () => Promise<HAMT>): Promise<void> {
  const before = heap()
  const hamt = await fill()
  const reported = await hamt.cacheSize()
  const held = heap() - before
  expect(hamt.cas).toBeDefined() // keeps the HAMT alive past the measurement
  expect(reported).toBeGreaterThan(held / 2)
  expect(reported).toBeLessThan(held * 2)
}

describe('read-only memory', () => {
  it('cacheSize() reports heap, within 2× of what V8 holds', async () => {
    const cas = new InMemoryCAS()
    const root = await committed(cas)
    await expectReportedWithin2x(async () => {
      const reader = await HAMT.build({ cas, rootNodeId: root, readOnly: true, cacheMaxBytes: 1e12 })
      for (const [key] of entries()) await reader.getPointer(key)
      return reader
    })
  })

  it('gets over a tree many times the budget hold at most 2× cacheMaxBytes', async () => {
    const cas = new InMemoryCAS()
    const root = await committed(cas)
    const budget = MiB
    const before = heap()
    const reader = await HAMT.build({ cas, rootNodeId: root, readOnly: true, cacheMaxBytes: budget })
    for (const [i, [key, value]] of entries().entries()) {
      if (i % 101 === 0) expect(await reader.get(key)).toBe(value)
      else if (i % 11 === 0) await reader.getPointer(key)
    }
    const held = heap() - before
    expect(await reader.cacheSize()).toBeLessThanOrEqual(budget + 200_000) // plus the root, kept apart
    expect(held).toBeLessThan(2 * budget)
  })
})

describe('write-mode memory', () => {
  it('cacheSize() reports the loaded tree within 2× of what V8 holds', async () => {
    const cas = new InMemoryCAS()
    // The values are in the store before the heap is measured: the sets save nothing new.
    for (const [, value] of entries()) await cas.save(dagCbor.encode(value), 'raw')
    await expectReportedWithin2x(async () => {
      const writer = await HAMT.build({ cas, cacheMaxBytes: Number.POSITIVE_INFINITY })
      for (const [key, value] of entries()) await writer.set(key, value)
      return writer
    })
  })

  it('set() keeps the loaded tree within cacheMaxBytes, and the root is the unbounded one', async () => {
    const cas = new InMemoryCAS()
    const reference = await committed(cas)
    const budget = MiB
    const h = await HAMT.build({ cas, cacheMaxBytes: budget })
    let most = 0
    for (const [i, [key, value]] of entries().entries()) {
      await h.set(key, value)
      if (i % 500 === 0) most = Math.max(most, await h.cacheSize())
    }
    expect(most).toBeLessThanOrEqual(budget + 100_000)
    const loaded = heap()
    await h.makeReadOnly() // drops the tree; its final blocks are already in the store (the reference)
    expect(h.rootNodeId.toString()).toBe(reference.toString())
    expect(loaded - heap()).toBeLessThan(2 * budget)
  })

  it('a save failing while spilling loses nothing: the set fails whole, and committing again completes', async () => {
    const cas = new FaultInjectingCAS()
    const reference = await committed(cas.inner)
    const h = await HAMT.build({ cas, cacheMaxBytes: 256 * 1024 })
    let failures = 0
    cas.onSave = (codec, n) => (codec === 'dag-cbor' && n % 7 === 3 ? new Error('flaky store') : undefined)
    for (const [key, value] of entries().slice(0, 8000)) {
      for (;;) {
        try {
          await h.set(key, value)
          break
        } catch (error) {
          expect((error as Error).message).toBe('flaky store')
          failures++
          // Nothing half-written: the key is not there until its set succeeds.
          expect(await h.has(key)).toBe(false)
        }
      }
    }
    expect(failures).toBeGreaterThan(0)
    cas.onSave = () => undefined
    for (const [key, value] of entries().slice(8000)) await h.set(key, value)
    await h.makeReadOnly()
    expect(h.rootNodeId.toString()).toBe(reference.toString())
  })
})

describe('HAMT.fromEntries', () => {
  it('gives the root of inserting the same entries one by one, in bounded memory, with scratch blocks', async () => {
    const cas = new InMemoryCAS()
    const reference = await committed(cas)
    // The store's own heap per block, measured on blocks like the scratch chunks (a few entries each).
    const probe = new InMemoryCAS()
    const probeBase = heap()
    for (let i = 0; i < 2000; i++) await probe.save(new TextEncoder().encode(`chunk ${i} `.repeat(20)), 'dag-cbor')
    const perBlock = (heap() - probeBase) / 2000
    const blocks = cas.blockCount
    const budget = MiB
    let most = 0
    let count = 0
    async function* stream() {
      for (let i = 0; i < N; i++) {
        // The HAMT's share of the heap: the total, less what the store grew by.
        if (i % 2000 === 0) most = Math.max(most, heap() - (cas.blockCount - blocks) * perBlock)
        yield [`key-${i}`, i] as const
      }
    }
    const sample = setInterval(() => count++, 1)
    const base = heap()
    const built = await HAMT.fromEntries(stream(), { cas, cacheMaxBytes: budget })
    clearInterval(sample)
    expect(built.readOnly).toBe(true)
    expect(built.rootNodeId.toString()).toBe(reference.toString())
    expect(most - base).toBeLessThan(2 * budget)
    // Entries were partitioned through scratch blocks in the store.
    expect(cas.blockCount).toBeGreaterThan(blocks)
    expect(await built.get('key-123')).toBe(123)
    expect(count).toBeGreaterThan(0) // timers ran: the build yields to the event loop
    expect(probe.blockCount).toBe(2000)
  })

  it('fails whole when the store fails midway, and running it again gives the root', async () => {
    const cas = new FaultInjectingCAS()
    const reference = await committed(cas.inner)
    cas.onSave = (codec, n) => (codec === 'dag-cbor' && n === 40 ? new Error('store down') : undefined)
    await expect(HAMT.fromEntries(entries(), { cas, cacheMaxBytes: 256 * 1024 })).rejects.toThrow('store down')
    cas.onSave = () => undefined
    const again = await HAMT.fromEntries(entries(), { cas, cacheMaxBytes: 256 * 1024 })
    expect(again.rootNodeId.toString()).toBe(reference.toString())
  })

  it('fails whole when the save of a value fails midway, and stops reading the entries when aborted', async () => {
    const cas = new FaultInjectingCAS()
    const reference = await committed(cas.inner)
    cas.onSave = (codec, n) => (codec === 'raw' && n === 5_000 ? new Error('value lost') : undefined)
    await expect(HAMT.fromEntries(entries(), { cas })).rejects.toThrow('value lost')
    cas.onSave = () => undefined
    const controller = new AbortController()
    let read = 0
    async function* stream() {
      for (const entry of entries()) {
        if (++read === 1_000) controller.abort(new Error('enough'))
        yield entry
      }
    }
    await expect(HAMT.fromEntries(stream(), { cas, signal: controller.signal })).rejects.toThrow('enough')
    expect(read).toBeLessThan(1_100)
    const again = await HAMT.fromEntries(entries(), { cas })
    expect(again.rootNodeId.toString()).toBe(reference.toString())
  })

  it('lets a later duplicate win, and refuses bad entries with a typed error', async () => {
    const cas = new InMemoryCAS()
    const built = await HAMT.fromEntries(
      [
        ['a', 1],
        ['b', 2],
        ['a', 3],
      ],
      { cas },
    )
    expect(await built.get('a')).toBe(3)
    expect(await built.size()).toBe(2)
    await expect(HAMT.fromEntries([['x', () => 1]], { cas })).rejects.toThrow(/Cannot store the value for key "x"/)
  })
})
