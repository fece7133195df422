import { InMemoryCAS } from '@hamt/cas-memory'
import fc from 'fast-check'
import { expect, test } from 'vitest'
import { ShardedZarrStore } from '../src/index.js'
import { collect } from './helpers.js'

const utf8 = new TextEncoder()
const META = JSON.stringify({
  zarr_format: 3,
  node_type: 'array',
  shape: [4, 3],
  chunk_grid: { name: 'regular', configuration: { chunk_shape: [1, 1] } },
})

type Op =
  | { kind: 'set'; key: string; byte: number }
  | { kind: 'delete'; key: string }
  | { kind: 'commit'; reopen: boolean }

const chunkKeys = Array.from({ length: 12 }, (_, i) => `g/a/c/${Math.floor(i / 3)}/${i % 3}`)
const keyArb = fc.constantFrom(...chunkKeys, 'g/a/.zattrs', 'plain/entry')
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
  fc.record({ kind: fc.constant('commit' as const), reopen: fc.boolean() }),
)

test('random sets, deletes, commits and reopens agree with a Map model', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { maxLength: 40 }),
      fc.integer({ min: 1, max: 5 }),
      async (ops, chunksPerShard) => {
        const cas = new InMemoryCAS()
        let store = ShardedZarrStore.create(cas, { chunksPerShard, hotShardAfter: 2 })
        await store.set('zarr.json', utf8.encode('{"zarr_format":3,"node_type":"group"}'))
        await store.set('g/a/zarr.json', utf8.encode(META))
        const model = new Map<string, Uint8Array>()
        for (const op of ops) {
          if (op.kind === 'set') {
            const value = Uint8Array.of(op.byte, op.key.length)
            await store.set(op.key, value)
            model.set(op.key, value)
          } else if (op.kind === 'delete') {
            expect(await store.delete(op.key)).toBe(model.delete(op.key))
          } else {
            const root = await store.commit({ keepWritable: !op.reopen })
            if (op.reopen) store = await ShardedZarrStore.open(cas, root, { writable: true })
          }
        }
        const reader = await ShardedZarrStore.open(cas, await store.commit(), { hotShardAfter: 3 })
        for (const key of [...chunkKeys, 'g/a/.zattrs', 'plain/entry']) {
          expect(await reader.get(key)).toEqual(model.get(key))
          expect(await reader.has(key)).toBe(model.has(key))
        }
        const listed = (await collect(reader.list())).filter((k) => !k.endsWith('zarr.json'))
        expect(listed).toEqual([...model.keys()].sort())
      },
    ),
    { numRuns: 60, seed: 42 },
  )
})
