import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { blake3HashFn, type ContentAddressedStore, HAMT, type HashFn } from '../src/index.js'
import { collect } from './collect.js'
import { seeded } from './seeded.js'

// py-hamt's test suite checks its HAMT against a dict under random operations; so does this, and it
// also checks that the root is canonical: equal to inserting the final contents into an empty HAMT.

type Op =
  | { kind: 'set'; key: number; value: number }
  | { kind: 'delete'; key: number }
  | { kind: 'get'; key: number }
  | { kind: 'toggle' }
  | { kind: 'vacate' }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.nat(150), value: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(150) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.nat(150) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'toggle' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'vacate' as const }) },
)

/** Key `n`: ASCII mostly, and now and then not, of every UTF-8 length, so buckets mix both orders. */
const keyOf = (n: number): string => (n % 5 === 0 ? `ключ-${n}` : n % 7 === 0 ? `κ${n}🌧` : `key-${n}`)

/**
 * Keys share their first `shared` hash bytes, so trees grow `shared` levels deeper, and the next
 * four bytes use 4 slots of 256, so buckets overflow and fold back all the time.
 */
const sharedPrefixHash =
  (shared: number): HashFn =>
  (key) => {
    const hash = blake3HashFn(key)
    hash.fill(7, 0, shared)
    for (let i = shared; i < shared + 4; i++) hash[i] = (hash[i] as number) & 3
    return hash
  }

async function freshRoot(
  cas: ContentAddressedStore,
  entries: Map<string, unknown>,
  maxBucketSize: number,
  hashFn: HashFn,
) {
  const hamt = await HAMT.build({ cas, maxBucketSize, hashFn })
  for (const [key, value] of entries) await hamt.set(key, value)
  await hamt.makeReadOnly()
  return hamt.rootNodeId.toString()
}

describe('HAMT against a Map model', () => {
  it('agrees with a Map under random sets, deletes, mode switches and vacates, and stays canonical', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 10, maxLength: 160, size: 'max' }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(-1, 0, 2),
        async (ops, maxBucketSize, shared) => {
          const hashFn = shared < 0 ? blake3HashFn : sharedPrefixHash(shared)
          const cas = new InMemoryCAS()
          const hamt = await HAMT.build({ cas, maxBucketSize, hashFn })
          const model = new Map<string, unknown>()
          for (const o of ops) {
            if (o.kind === 'toggle') {
              if (hamt.readOnly) await hamt.enableWrite()
              else await hamt.makeReadOnly()
              continue
            }
            if (o.kind === 'vacate') {
              await hamt.cacheVacate()
              continue
            }
            const key = keyOf(o.key)
            if (o.kind === 'get') {
              expect(await hamt.get(key)).toEqual(model.get(key))
              expect(await hamt.has(key)).toBe(model.has(key))
              continue
            }
            if (hamt.readOnly) await hamt.enableWrite()
            if (o.kind === 'set') {
              const value = { n: o.value, tags: ['a', o.value] }
              await hamt.set(key, value)
              model.set(key, value)
            } else {
              expect(await hamt.delete(key)).toBe(model.delete(key))
            }
          }
          expect(new Set(await collect(hamt.keys()))).toEqual(new Set(model.keys()))
          expect(await hamt.size()).toBe(model.size)
          await hamt.makeReadOnly()
          expect(hamt.rootNodeId.toString()).toBe(await freshRoot(cas, model, maxBucketSize, hashFn))
          const reopened = await HAMT.build({ cas, rootNodeId: hamt.rootNodeId, readOnly: true, hashFn })
          for (const [key, value] of model) expect(await reopened.get(key)).toEqual(value)
        },
      ),
      seeded('HAMT against a Map model', { numRuns: 150 }),
    )
  })

  it('keeps every key reachable when writing into a tree written with a larger maxBucketSize', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.uniqueArray(fc.nat(3000), { minLength: 1, maxLength: 400, size: 'max' }),
        fc.array(fc.nat(3000), { maxLength: 100, size: 'max' }),
        async (bigBucket, smallBucket, firstKeys, moreKeys) => {
          // A 1-byte prefix shared by all keys makes the big buckets sit one level down, full.
          const hashFn = sharedPrefixHash(1)
          const cas = new InMemoryCAS()
          const big = await HAMT.build({ cas, maxBucketSize: bigBucket, hashFn })
          const model = new Map<string, unknown>()
          for (const k of firstKeys) {
            await big.set(`k${k}`, k)
            model.set(`k${k}`, k)
          }
          await big.makeReadOnly()
          const small = await HAMT.build({ cas, rootNodeId: big.rootNodeId, maxBucketSize: smallBucket, hashFn })
          for (const k of moreKeys) {
            if (k % 3 === 0) {
              expect(await small.delete(`k${k}`)).toBe(model.delete(`k${k}`))
            } else {
              await small.set(`k${k}`, -k)
              model.set(`k${k}`, -k)
            }
          }
          await small.makeReadOnly()
          for (const [key, value] of model) expect(await small.get(key)).toBe(value)
          expect(await small.size()).toBe(model.size)
        },
      ),
      seeded('smaller maxBucketSize over a larger one', { numRuns: 60 }),
    )
  })
})
