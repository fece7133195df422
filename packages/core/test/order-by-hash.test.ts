import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { blake3Cid } from '../src/index.js'
import { type HashedEntry, orderByHash } from '../src/order-by-hash.js'
import { seeded } from './seeded.js'

// fromEntries inserts in the order orderByHash gives: by hash bytewise, equal hashes in arrival order
// (so a later duplicate key wins). Hashes here come from a tiny alphabet, so that many share their
// first four bytes (what the in-memory sort packs) and some are equal or a prefix of another.

const cid = blake3Cid(new Uint8Array([1]), 'raw').bytes

function reference(entries: readonly HashedEntry[]): HashedEntry[] {
  return [...entries].sort((a, b) => {
    const n = Math.min(a.hash.length, b.hash.length)
    for (let i = 0; i < n; i++) if (a.hash[i] !== b.hash[i]) return (a.hash[i] as number) - (b.hash[i] as number)
    return a.hash.length - b.hash.length
  })
}

async function ordered(entries: readonly HashedEntry[], batch: number): Promise<HashedEntry[]> {
  async function* source() {
    for (let i = 0; i < entries.length; i += batch) yield entries.slice(i, i + batch)
  }
  const cas = new InMemoryCAS()
  const ctx = {
    hashKey: () => {
      throw new Error('nothing is read back: everything fits')
    },
    save: (bytes: Uint8Array) => cas.save(bytes, 'dag-cbor'),
    cas,
    maxBytes: Number.POSITIVE_INFINITY,
  }
  const out: HashedEntry[] = []
  for await (const part of orderByHash(source(), 0, ctx)) out.push(...part)
  return out
}

describe('orderByHash', () => {
  it('orders by hash bytewise, equal hashes in arrival order, whatever the batches', async () => {
    const hash = fc.uint8Array({ minLength: 1, maxLength: 6 }).map((bytes) => bytes.map((b) => b % 3))
    await fc.assert(
      fc.asyncProperty(fc.array(hash, { maxLength: 400 }), fc.integer({ min: 1, max: 50 }), async (hashes, batch) => {
        const entries = hashes.map((h, i) => ({ key: `k${i}`, hash: h, cid }))
        const got = await ordered(entries, batch)
        expect(got.map((e) => e.key)).toEqual(reference(entries).map((e) => e.key))
      }),
      seeded('orderByHash matches a stable sort', { numRuns: 200 }),
    )
  })
})
