import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { blake3HashFn, HAMT, type HashFn } from '../src/index.js'
import { decodeNode, EncodedBucket } from '../src/node.js'
import { collect } from './collect.js'

// Fixed delete cases whose folding crosses two levels, checked against the canonical root (a fresh
// insert of what remains) and against the exact shape of the root node. Each key's hash is given,
// so the tree shape is known: '1.1.1' hashes to bytes 1, 1, 1, 0, 0, …

const pathHash: HashFn = (key) => {
  const hash = new Uint8Array(32)
  const parts = new TextDecoder().decode(key).split('.').map(Number)
  hash.set(parts.slice(0, 32))
  return hash
}

async function build(keys: readonly string[], maxBucketSize: number, hashFn: HashFn) {
  const cas = new InMemoryCAS()
  const hamt = await HAMT.build({ cas, maxBucketSize, hashFn })
  for (const key of keys) await hamt.set(key, key)
  await hamt.makeReadOnly()
  return { cas, hamt }
}

/** Slot index → what the root holds there: a sorted key list for a bucket, 'link' for a child. */
async function rootShape(hamt: HAMT, cas: InMemoryCAS): Promise<Record<number, string[] | 'link'>> {
  const node = decodeNode(await cas.load(hamt.rootNodeId), hamt.rootNodeId)
  const shape: Record<number, string[] | 'link'> = {}
  node.slots.forEach((slot, i) => {
    if (typeof slot === 'number') shape[i] = [...new EncodedBucket(node.data, slot).keys()].sort()
    else if (slot !== undefined) shape[i] = 'link'
  })
  return shape
}

interface Case {
  name: string
  maxBucketSize: number
  keys: string[]
  deletes: string[]
  root: Record<number, string[] | 'link'>
}

const cases: Case[] = [
  {
    name: 'a two-level chain folds into one bucket in the root',
    maxBucketSize: 1,
    keys: ['1.1.1', '1.1.2'],
    deletes: ['1.1.2'],
    root: { 1: ['1.1.1'] },
  },
  {
    name: 'the last key of a deep pair climbs two levels, next to another root bucket',
    maxBucketSize: 1,
    keys: ['1.1.1', '1.1.2', '2.0.0'],
    deletes: ['1.1.1'],
    root: { 1: ['1.1.2'], 2: ['2.0.0'] },
  },
  {
    name: 'a fold below makes its parent small enough to fold too',
    maxBucketSize: 2,
    keys: ['1.1.1', '1.1.2', '1.1.3', '1.2.0'],
    deletes: ['1.1.3', '1.2.0'],
    root: { 1: ['1.1.1', '1.1.2'] },
  },
  {
    name: 'a fold below stops where the parent still holds too many keys',
    maxBucketSize: 2,
    keys: ['1.1.1', '1.1.2', '1.1.3', '1.2.0', '1.3.0'],
    deletes: ['1.1.3'],
    root: { 1: 'link' },
  },
  {
    name: 'keys spread over two levels are counted together before folding',
    maxBucketSize: 3,
    keys: ['1.1.1', '1.1.2', '1.1.3', '1.1.4', '1.2.0'],
    deletes: ['1.1.4', '1.1.3'],
    root: { 1: ['1.1.1', '1.1.2', '1.2.0'] },
  },
  {
    name: 'deleting the only key of a three-level chain empties the root',
    maxBucketSize: 1,
    keys: ['1.1.1.1', '1.1.1.2'],
    deletes: ['1.1.1.1', '1.1.1.2'],
    root: {},
  },
]

describe('deletes that fold across two levels', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { cas, hamt } = await build(c.keys, c.maxBucketSize, pathHash)
      await hamt.enableWrite()
      for (const key of c.deletes) expect(await hamt.delete(key)).toBe(true)
      await hamt.makeReadOnly()
      const remaining = c.keys.filter((k) => !c.deletes.includes(k))
      const fresh = await build(remaining, c.maxBucketSize, pathHash)
      expect(hamt.rootNodeId.toString()).toBe(fresh.hamt.rootNodeId.toString())
      expect(await rootShape(hamt, cas)).toEqual(c.root)
      expect((await collect(hamt.keys())).sort()).toEqual(remaining.sort())
      for (const key of remaining) expect(await hamt.get(key)).toBe(key)
    })
  }

  it('with BLAKE3: three keys sharing two hash bytes fold back to the root when two go', async () => {
    // Found by search: keys whose BLAKE3 hashes share their first two bytes.
    const hash = (k: string) => blake3HashFn(new TextEncoder().encode(k))
    const byPrefix = new Map<number, string[]>()
    let found: string[] | undefined
    for (let i = 0; found === undefined; i++) {
      const key = `k${i}`
      const h = hash(key)
      const prefix = ((h[0] as number) << 8) | (h[1] as number)
      const group = byPrefix.get(prefix) ?? []
      group.push(key)
      byPrefix.set(prefix, group)
      if (group.length === 3) found = group
    }
    const [a, b, c] = found as [string, string, string]
    const { cas, hamt } = await build([a, b, c, 'other'], 1, blake3HashFn)
    await hamt.enableWrite()
    await hamt.delete(b)
    await hamt.delete(c)
    await hamt.makeReadOnly()
    const fresh = await build([a, 'other'], 1, blake3HashFn)
    expect(hamt.rootNodeId.toString()).toBe(fresh.hamt.rootNodeId.toString())
    const shape = await rootShape(hamt, cas)
    expect(shape[hash(a)[0] as number]).toEqual([a])
    const links = Object.values(shape).filter((s) => s === 'link')
    expect(links).toEqual([])
  })
})
