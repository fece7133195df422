import { describe, expect, it } from 'vitest'
import { HAMT, InvalidOptionError } from '../src/index.js'
import { FaultInjectingCAS } from './fault-injecting-cas.js'

/** A read-only tree of `count` keys (bucket size 1, so every level is full of links) and its loads. */
async function tree(count: number) {
  const cas = new FaultInjectingCAS()
  const writer = await HAMT.fromEntries(
    Array.from({ length: count }, (_, i) => [`k${i}`, i] as const),
    { cas, maxBucketSize: 1 },
  )
  cas.reset()
  const reader = await HAMT.build<number>({ cas, rootNodeId: writer.rootNodeId, readOnly: true })
  return { cas, reader }
}

describe('HAMT.preload', () => {
  it('loads the root and each level under it, so reads of any key load nothing more above it', async () => {
    const { cas, reader } = await tree(3000)
    const result = await reader.preload(1)
    expect(result).toEqual({ nodes: 256, levels: 1, failed: 0 })
    expect(cas.loads.length).toBe(257) // the root and its 256 children
    cas.reset()
    expect(await reader.get('k42')).toBe(42)
    // The level-1 node is at hand: what is left is the levels under it and the value.
    const again = await reader.preload(1)
    expect(again.nodes).toBe(256)
    expect(cas.loads.length).toBeLessThan(4)
  })

  it('goes deeper level by level, and depth 0 loads the root alone', async () => {
    const { cas, reader } = await tree(3000)
    expect(await reader.preload(0)).toEqual({ nodes: 0, levels: 0, failed: 0 })
    expect(cas.loads.length).toBe(1)
    const two = await reader.preload(2)
    expect(two.levels).toBe(2)
    expect(two.nodes).toBeGreaterThan(256)
    cas.reset()
    for (let i = 0; i < 50; i++) expect(await reader.get(`k${i}`)).toBe(i)
    // Values, and only nodes deeper than level 2.
    expect(cas.loads.length).toBeLessThan(50 * 2)
  })

  it('counts loads that fail instead of throwing, and a read under that node reports the error', async () => {
    const { cas, reader } = await tree(600)
    let failing: string | undefined
    cas.onLoad = (cid) => {
      if (cas.loads.length === 2) failing = cid.toString()
      return cid.toString() === failing ? new Error('gateway down') : undefined
    }
    const result = await reader.preload(1)
    expect(result.failed).toBe(1)
    expect(result.nodes).toBeGreaterThan(100)
    const reads = await Promise.allSettled(Array.from({ length: 600 }, (_, i) => reader.get(`k${i}`)))
    const rejected = reads.filter((r) => r.status === 'rejected')
    expect(rejected.length).toBeGreaterThan(0)
    expect((rejected[0] as PromiseRejectedResult).reason.message).toBe('gateway down')
  })

  it('stops before a level that would not fit in the node cache', async () => {
    const cas = new FaultInjectingCAS()
    const writer = await HAMT.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`k${i}`, i] as const),
      { cas, maxBucketSize: 1 },
    )
    const reader = await HAMT.build({ cas, rootNodeId: writer.rootNodeId, readOnly: true, cacheMaxBytes: 100_000 })
    const result = await reader.preload(3)
    expect(result.levels).toBe(0)
    expect(result.nodes).toBe(0)
  })

  it('does nothing in write mode, rejects a bad depth, and honours an aborted signal', async () => {
    const { reader } = await tree(10)
    const writable = await HAMT.build({ cas: reader.cas })
    expect(await writable.preload(2)).toEqual({ nodes: 0, levels: 0, failed: 0 })
    await expect(reader.preload(-1)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(reader.preload(1.5)).rejects.toBeInstanceOf(InvalidOptionError)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(reader.preload(1, { signal: controller.signal })).rejects.toThrow('stop')
  })
})

describe('HAMT.preloadIfShallow', () => {
  it('loads level 1 when the level-1 node at hand is a leaf and the level fits, else nothing', async () => {
    const cas = new FaultInjectingCAS()
    const writer = await HAMT.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`k${i}`, i] as const),
      { cas },
    )
    const reader = await HAMT.build<number>({ cas, rootNodeId: writer.rootNodeId, readOnly: true })
    // Nothing of level 1 at hand yet: the tree's shape is unknown.
    expect(await reader.preloadIfShallow(1e9)).toEqual({ nodes: 0, levels: 0, failed: 0 })
    await reader.get('k1')
    expect(await reader.preloadIfShallow(100)).toEqual({ nodes: 0, levels: 0, failed: 0 }) // too big
    cas.reset()
    const result = await reader.preloadIfShallow(1e9)
    expect(result.levels).toBe(1)
    expect(result.nodes).toBeGreaterThan(240)
    cas.reset()
    for (let i = 0; i < 100; i++) expect(await reader.get(`k${i}`)).toBe(i)
    expect(cas.loads.length).toBe(100) // values only
  })

  it('loads nothing for a deep tree, or in write mode', async () => {
    // Bucket size 1 and 78 keys a level-1 node on average: every level-1 node links on.
    const { cas, reader } = await tree(20_000)
    await reader.get('k1')
    cas.reset()
    expect(await reader.preloadIfShallow(1e9)).toEqual({ nodes: 0, levels: 0, failed: 0 })
    expect(cas.loads.length).toBe(0)
    const writable = await HAMT.build({ cas })
    expect(await writable.preloadIfShallow(1e9)).toEqual({ nodes: 0, levels: 0, failed: 0 })
  })
})
