import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import { blake3HashFn, type CID, HAMT, keyChainPath } from '../src/index.js'
import { PathStore } from './path-store.js'

const utf8 = new TextEncoder()

/** The CIDs of the nodes a read of `key` walks, root first, found by decoding the blocks. */
async function chainOf(cas: PathStore, root: CID, key: string): Promise<string[]> {
  const hash = blake3HashFn(utf8.encode(key))
  const chain: string[] = []
  let cid: CID | undefined = root
  for (let depth = 0; cid !== undefined; depth++) {
    chain.push(cid.toString())
    const slot: unknown = (dagCbor.decode(await cas.inner.load(cid)) as unknown[])[hash[depth] as number]
    cid = Array.isArray(slot) ? (slot[0] as CID) : undefined
  }
  return chain
}

/** The first key `k{i}` whose chain is `length` nodes long. */
async function keyAtDepth(cas: PathStore, root: CID, length: number): Promise<string> {
  for (let i = 0; ; i++) if ((await chainOf(cas, root, `k${i}`)).length === length) return `k${i}`
}

/** A read-only tree of `count` keys (bucket size 1: three levels at a few thousand keys) on a PathStore. */
async function tree(count: number) {
  const cas = new PathStore()
  const writer = await HAMT.fromEntries(
    Array.from({ length: count }, (_, i) => [`k${i}`, i] as const),
    { cas, maxBucketSize: 1 },
  )
  cas.reset()
  const reader = await HAMT.build<number>({ cas, rootNodeId: writer.rootNodeId, readOnly: true })
  return { cas, reader, root: writer.rootNodeId }
}

describe('reads through a store with loadPath', () => {
  it('a cold get is one path load (root and chain) and one value load, however deep the key', async () => {
    const { cas, reader, root } = await tree(3000)
    const deep = await keyAtDepth(cas, root, 3)
    expect(await reader.get(deep)).toBe(Number(deep.slice(1)))
    expect(cas.pathLoads.length).toBe(1)
    expect(cas.pathLoads[0]?.blocks).toBe(3) // root, level 1, level 2
    expect(cas.loads).toBe(1) // the value
    cas.reset()
    // Another key: the root is at hand, so one path load from its level-1 node down, then the value.
    expect(await reader.get('k2999')).toBe(2999)
    expect(cas.roundTrips).toBe(2)
    expect(cas.pathLoads[0]?.path.length).toBe(12) // six levels asked for, from depth 1
    cas.reset()
    expect(await reader.get(deep)).toBe(Number(deep.slice(1)))
    expect(cas.pathLoads.length).toBe(0)
  })

  it('reads the same values as a store without loadPath, and finds absent keys absent', async () => {
    const { cas, reader } = await tree(2000)
    for (let i = 0; i < 2000; i += 37) expect(await reader.get(`k${i}`)).toBe(i)
    expect(await reader.get('absent')).toBeUndefined()
    expect(await reader.has('k1999')).toBe(true)
    const plain = await HAMT.build<number>({ cas: cas.inner, rootNodeId: reader.rootNodeId, readOnly: true })
    for (let i = 0; i < 2000; i += 101) expect(await plain.get(`k${i}`)).toBe(await reader.get(`k${i}`))
  })

  it('keyChainPath walks the root down the slots a key hashes to', async () => {
    const hash = blake3HashFn(utf8.encode('k7'))
    const path = keyChainPath('k7')
    expect(path.length).toBe(12)
    expect(path.slice(0, 4)).toEqual([String(hash[0]), '0', String(hash[1]), '0'])
    const { cas, root } = await tree(3000)
    const answer = await cas.loadPath(root, path)
    expect(answer[0]?.cid.equals(root)).toBe(true)
    // Each block after the root is the child the previous one links to at the key's slot.
    for (let i = 1; i < answer.length; i++) {
      const parent = dagCbor.decode(answer[i - 1]?.bytes as Uint8Array) as unknown[]
      const slot = parent[hash[i - 1] as number] as unknown[]
      expect(String(slot[0])).toBe(answer[i]?.cid.toString())
    }
  })

  it('uses what a store returns and loads the rest itself: only the root, or blocks out of order', async () => {
    const { cas, reader, root } = await tree(3000)
    const deep = await keyAtDepth(cas, root, 3)
    cas.onPath = (blocks) => blocks.slice(0, 1)
    expect(await reader.get(deep)).toBe(Number(deep.slice(1)))
    expect(cas.pathLoads.length).toBe(3) // root, then each level: nothing came with the answers
    const other = await tree(3000)
    other.cas.onPath = (blocks) => [blocks[0], ...blocks.slice(1).reverse()].filter((b) => b !== undefined)
    expect(await other.reader.get(deep)).toBe(Number(deep.slice(1)))
    expect(other.cas.roundTrips).toBe(2)
  })

  it('keeps no node that does not fit where a path answer put it: it is loaded again', async () => {
    const { cas, reader, root } = await tree(3000)
    const deep = await keyAtDepth(cas, root, 3)
    // A store that lies: the level-1 node's bytes under the level-2 node's CID. Its keys do not hash
    // to the level-2 place, so the node is not kept, and the read loads the real one.
    cas.onPath = (blocks) =>
      blocks.map((block, i) => (i === 2 ? { cid: block.cid, bytes: blocks[1]?.bytes as Uint8Array } : block))
    expect(await reader.get(deep)).toBe(Number(deep.slice(1)))
    expect(cas.pathLoads.map((load) => load.blocks)).toEqual([3, 1]) // the chain, then the level-2 node again
    expect(cas.loads).toBe(1) // the value
  })
})
