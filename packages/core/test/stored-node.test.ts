import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { HAMT } from '../src/index.js'

// Read-only trees are read in place from their blocks: keys are compared as stored UTF-8 bytes.
describe('read-only lookups on keys as stored', () => {
  const keys = ['', 'a', 'ab', 'é', 'ée', 'e\u0301', '日本', '😀', 'a'.repeat(100), `${'a'.repeat(99)}b`, 'zarr.json']

  it('finds every key, however written, and no key that only looks like one', async () => {
    const cas = new InMemoryCAS()
    // Bucket size 8: the keys share buckets, so keys of equal length are told apart byte by byte.
    const writer = await HAMT.fromEntries(
      [...keys, ...Array.from({ length: 500 }, (_, i) => `k${i}`)].map((key, i) => [key, i] as const),
      { cas, maxBucketSize: 8 },
    )
    const reader = await HAMT.build<number>({ cas, rootNodeId: writer.rootNodeId, readOnly: true })
    for (const [i, key] of keys.entries()) expect(await reader.get(key)).toBe(i)
    for (const absent of ['b', 'ac', 'è', 'e', '日', '😁', 'a'.repeat(101), `${'a'.repeat(99)}c`, 'k500']) {
      expect(await reader.get(absent)).toBeUndefined()
    }
    const listed: string[] = []
    for await (const key of reader.keys()) listed.push(key)
    expect(listed.length).toBe(keys.length + 500)
    expect(new Set(listed)).toEqual(new Set([...keys, ...Array.from({ length: 500 }, (_, i) => `k${i}`)]))
  })
})
