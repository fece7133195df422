import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { blake3HashFn, CID, extractBits, HAMT } from '../src/index.js'

// Golden vectors from running the real py-hamt (see test/vectors/README.md).
const load = (name: string) => JSON.parse(readFileSync(new URL(`./vectors/${name}`, import.meta.url), 'utf8'))
const hamtVectors = load('pyhamt-hamt-public.json')
const blockVectors = load('pyhamt-blocks-n1000-b1.json')

const bytes = (s: string) => new TextEncoder().encode(s)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

async function insertAll(n: number, maxBucketSize: number, order?: number[]) {
  const cas = new InMemoryCAS()
  const hamt = await HAMT.build<Uint8Array>({ cas, maxBucketSize, valuesAreBytes: true })
  for (const i of order ?? Array.from({ length: n }, (_, i) => i)) await hamt.set(`k${i}`, bytes(`v${i}`))
  await hamt.makeReadOnly()
  return { cas, hamt }
}

describe('py-hamt vectors A: key hashes', () => {
  for (const c of hamtVectors.A_hashfn.cases) {
    // One key is given by description only ("'x' repeated 2000 times").
    const key: string = c.key ?? 'x'.repeat(2000)
    it(`hashes ${c.keyDescription ?? JSON.stringify(key)}`, () => {
      if (c.keyUtf8Hex !== null) expect(hex(bytes(key))).toBe(c.keyUtf8Hex)
      const hash = blake3HashFn(bytes(key))
      expect(hex(hash)).toBe(c.blake3Hex)
      expect([0, 1, 2, 3].map((d) => extractBits(hash, d, 8))).toEqual(c.slotIndexByDepth0to3)
    })
  }
})

describe('py-hamt vectors B: insert-only roots and blocks', () => {
  for (const c of hamtVectors.B_insert.cases) {
    it(c.name, async () => {
      const { cas, hamt } = await insertAll(c.n, c.maxBucketSize)
      expect(hamt.rootNodeId.toString()).toBe(c.root)
      for (const [cid, blockHex] of Object.entries(c.blocksHex ?? {})) {
        expect(hex(await cas.load(CID.parse(cid)))).toBe(blockHex)
      }
      expect(await hamt.size()).toBe(c.keyCount)
    })
  }
})

describe('py-hamt vectors C: insertion order does not matter', () => {
  for (const c of hamtVectors.C_insertion_order.cases) {
    it(`order ${c.seed}`, async () => {
      const { hamt } = await insertAll(c.order.length, 4, c.order)
      expect(hamt.rootNodeId.toString()).toBe(c.root)
    })
  }
})

describe('py-hamt vectors D: deletes are canonical', () => {
  const cases = Object.fromEntries(hamtVectors.D_deletes.cases.map((c: { name: string }) => [c.name, c]))
  const start = async () => {
    const { cas, hamt } = await insertAll(1000, 4)
    await hamt.enableWrite()
    return { cas, hamt }
  }

  it('D1: deleting 900 keys gives the root of inserting the remaining 100', async () => {
    const { hamt } = await start()
    for (let i = 0; i < 1000; i++) if (i % 10 !== 0) expect(await hamt.delete(`k${i}`)).toBe(true)
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(cases['D1-delete-900-ascending'].freshInsertOfRemainingRoot)
    const fresh = await insertAll(0, 4)
    await fresh.hamt.enableWrite()
    for (let i = 0; i < 1000; i += 10) await fresh.hamt.set(`k${i}`, bytes(`v${i}`))
    await fresh.hamt.makeReadOnly()
    expect(fresh.hamt.rootNodeId.toString()).toBe(hamt.rootNodeId.toString())
  })

  it('D3: deleting everything gives the empty root', async () => {
    const { hamt } = await start()
    for (let i = 0; i < 1000; i++) await hamt.delete(`k${i}`)
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(cases['D3-delete-all-1000'].emptyHamtRoot)
  })

  it('D5: deleting then re-inserting restores the original root', async () => {
    const { hamt } = await start()
    for (let i = 0; i < 1000; i++) if (i % 10 !== 0) await hamt.delete(`k${i}`)
    for (let i = 0; i < 1000; i++) if (i % 10 !== 0) await hamt.set(`k${i}`, bytes(`v${i}`))
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(cases['D5-delete-900-then-reinsert'].originalRoot)
  })

  it('D6: overwriting values equals a fresh insert of the final mapping', async () => {
    const { hamt } = await start()
    for (let i = 0; i < 100; i++) await hamt.set(`k${i}`, bytes(`w${i}`))
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.toString()).toBe(cases['D6-overwrite-100'].freshInsertOfFinalMappingRoot)
  })

  it('deleting a missing key returns false and changes nothing', async () => {
    const { hamt } = await start()
    const before = hamt.rootNodeId
    expect(await hamt.delete('not-there')).toBe(false)
    await hamt.makeReadOnly()
    expect(hamt.rootNodeId.equals(before)).toBe(true)
  })
})

describe('reading the tree py-hamt wrote (1000 keys, maxBucketSize 1)', () => {
  it('resolves every key from py-hamt’s own blocks', async () => {
    const cas = new InMemoryCAS()
    for (const [cid, b64] of Object.entries<string>(blockVectors.blocks)) {
      const parsed = CID.parse(cid)
      const saved = await cas.save(Buffer.from(b64, 'base64'), parsed.code === 0x71 ? 'dag-cbor' : 'raw')
      expect(saved.toString()).toBe(cid)
    }
    const hamt = await HAMT.build<Uint8Array>({
      cas,
      rootNodeId: CID.parse(blockVectors.root),
      readOnly: true,
      valuesAreBytes: true,
    })
    for (let i = 0; i < 1000; i++) {
      expect(new TextDecoder().decode(await hamt.get(`k${i}`))).toBe(`v${i}`)
    }
    expect(await hamt.size()).toBe(1000)
    expect(await hamt.get('k1000')).toBeUndefined()
    // Our writer produces the same tree from the same inserts.
    const { hamt: ours } = await insertAll(1000, 1)
    expect(ours.rootNodeId.toString()).toBe(blockVectors.root)
  })
})
