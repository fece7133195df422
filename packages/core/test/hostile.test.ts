import * as dagCbor from '@ipld/dag-cbor'
import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { blake3Cid, blake3HashFn, type CID, type ContentAddressedStore, HAMT, InvalidNodeError } from '../src/index.js'
import { encodeSlots, type TestSlot } from './encode-slots.js'
import { ForgingCAS } from './forging-cas.js'

// Every walk over a hostile tree must end, with an InvalidNodeError naming the block at fault.

const utf8 = new TextEncoder()
const hashOf = (key: string) => blake3HashFn(utf8.encode(key))
const slots = (fill: (index: number) => TestSlot): TestSlot[] => Array.from({ length: 256 }, (_, i) => fill(i))

type Walk = [name: string, run: (hamt: HAMT) => Promise<unknown>]

async function drain(items: AsyncIterable<unknown>, limit = 10_000): Promise<number> {
  let count = 0
  for await (const _ of items) if (++count > limit) throw new Error(`walk did not end: more than ${limit} items`)
  return count
}

const walks = (key: string): Walk[] => [
  ['size()', (h) => h.size()],
  ['keys()', (h) => drain(h.keys())],
  ['entries()', (h) => drain(h.entries())],
  [`get(${key})`, (h) => h.get(key)],
  [`has(${key})`, (h) => h.has(key)],
]
const writes = (key: string): Walk[] => [
  [`set(${key})`, (h) => h.set(key, 2)],
  [`delete(${key})`, (h) => h.delete(key)],
]

/** Runs every walk in both modes; each must fail with an InvalidNodeError whose CID `blame` accepts. */
async function expectEveryWalkRefused(
  cas: ContentAddressedStore,
  root: CID,
  key: string,
  blame: (cid: CID) => boolean,
  options: { hashFn?: (key: Uint8Array) => Uint8Array } = {},
): Promise<void> {
  for (const readOnly of [true, false]) {
    for (const [name, run] of [...walks(key), ...(readOnly ? [] : writes(key))]) {
      const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly, ...options })
      const error = await run(hamt).then(
        (result) => new Error(`${name} (readOnly ${readOnly}) gave ${String(result)}`),
        (e: unknown) => e,
      )
      expect(error, `${name}, readOnly ${readOnly}`).toBeInstanceOf(InvalidNodeError)
      const cid = (error as InvalidNodeError).cid as CID
      expect(blame(cid), `${name} blamed ${cid}`).toBe(true)
      expect((error as Error).message).toContain(cid.toString())
    }
  }
}

describe('hostile trees', () => {
  it('a node linking to its own CID (a cycle) ends every walk with an error naming it', async () => {
    const cas = new ForgingCAS()
    const self = blake3Cid(utf8.encode('a forged node'), 'dag-cbor')
    cas.plant(self, encodeSlots(slots(() => self)))
    await expectEveryWalkRefused(cas, self, 'a', (cid) => cid.equals(self))
  })

  it('a cycle below the root, next to honest keys, is refused too', async () => {
    const cas = new ForgingCAS()
    const value = await cas.save(dagCbor.encode(1), 'raw')
    const looping = blake3Cid(utf8.encode('a forged child'), 'dag-cbor')
    // The child links back to itself from every slot; the root holds `a` where it belongs.
    cas.plant(looping, encodeSlots(slots(() => looping)))
    const a = hashOf('a')[0] as number
    const root = await cas.save(
      encodeSlots(slots((i) => (i === a ? new Map([['a', value]]) : i === (a + 1) % 256 ? looping : undefined))),
      'dag-cbor',
    )
    const key = Array.from({ length: 1000 }, (_, i) => `b${i}`).find((k) => hashOf(k)[0] === (a + 1) % 256) as string
    await expectEveryWalkRefused(cas, root, key, (cid) => cid.equals(looping))
  })

  it('a DAG bomb of six honest blocks (4 × 256 links to one child) is refused, not walked 2^32 times', async () => {
    const cas = new InMemoryCAS()
    const value = await cas.save(dagCbor.encode(1), 'raw')
    const blocks: CID[] = []
    let child = await cas.save(
      encodeSlots(slots((i) => (i === hashOf('a')[4] ? new Map([['a', value]]) : undefined))),
      'dag-cbor',
    )
    blocks.push(child)
    for (let level = 0; level < 4; level++) {
      const link = child
      child = await cas.save(encodeSlots(slots(() => link)), 'dag-cbor')
      blocks.push(child)
    }
    const key = 'b'
    await expectEveryWalkRefused(cas, child, key, (cid) => blocks.some((b) => b.equals(cid)))
  })

  it('a DAG bomb over an empty leaf is refused as well', async () => {
    const cas = new InMemoryCAS()
    let child = await cas.save(encodeSlots(slots(() => undefined)), 'dag-cbor')
    const blocks = [child]
    for (let level = 0; level < 4; level++) {
      const link = child
      child = await cas.save(encodeSlots(slots(() => link)), 'dag-cbor')
      blocks.push(child)
    }
    const hamt = await HAMT.build({ cas, rootNodeId: child, readOnly: true })
    await expect(hamt.size()).rejects.toBeInstanceOf(InvalidNodeError)
    await expect(drain(hamt.keys())).rejects.toThrow(/linked from more than one place/)
  })

  it('a key in a slot its hash does not pick is refused, so it cannot be stored twice', async () => {
    const cas = new InMemoryCAS()
    const value = await cas.save(dagCbor.encode(1), 'raw')
    const wrong = ((hashOf('a')[0] as number) + 1) % 256
    const root = await cas.save(
      encodeSlots(slots((i) => (i === wrong ? new Map([['a', value]]) : undefined))),
      'dag-cbor',
    )
    await expectEveryWalkRefused(cas, root, 'a', (cid) => cid.equals(root))
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true })
    await expect(hamt.get('a')).rejects.toThrow(/key "a" sits in slot \d+ at path \[\], where its hash does not put it/)
  })

  it('a key one level down whose hash prefix does not match the path is refused', async () => {
    const cas = new InMemoryCAS()
    const value = await cas.save(dagCbor.encode(1), 'raw')
    const [a0, a1] = hashOf('a') as unknown as [number, number]
    const child = await cas.save(
      encodeSlots(slots((i) => (i === a1 ? new Map([['a', value]]) : undefined))),
      'dag-cbor',
    )
    // The child hangs under the wrong root slot: `a` matches its slot there, not its path.
    const under = (a0 + 7) % 256
    const root = await cas.save(encodeSlots(slots((i) => (i === under ? child : undefined))), 'dag-cbor')
    const key = Array.from({ length: 2000 }, (_, i) => `b${i}`).find((k) => hashOf(k)[0] === under) as string
    await expectEveryWalkRefused(cas, root, key, (cid) => cid.equals(child))
  })

  it('refuses bucket keys out of DAG-CBOR order', async () => {
    const cas = new InMemoryCAS()
    const value = await cas.save(dagCbor.encode(1), 'raw')
    // Two three-character keys in the same root slot: equal-sized entries, easy to swap.
    const keys = Array.from({ length: 90 }, (_, i) => `k${i + 10}`)
    const first = keys.find((k) => keys.some((j) => j !== k && hashOf(j)[0] === hashOf(k)[0])) as string
    const second = keys.find((j) => j !== first && hashOf(j)[0] === hashOf(first)[0]) as string
    const slot = hashOf(first)[0]
    const bytes = encodeSlots(
      slots((i) =>
        i === slot
          ? new Map([
              [first, value],
              [second, value],
            ])
          : undefined,
      ),
    )
    const start = Buffer.from(bytes).indexOf(Buffer.from([0x63, ...utf8.encode([first, second].sort()[0] as string)]))
    const entry = 4 + 2 + 2 + 1 + value.bytes.length // key, tag 42, byte-string header, 0x00, CID
    const swapped = Uint8Array.from(bytes)
    swapped.set(bytes.subarray(start + entry, start + 2 * entry), start)
    swapped.set(bytes.subarray(start, start + entry), start + entry)
    const root = await cas.save(swapped, 'dag-cbor')
    await expectEveryWalkRefused(cas, root, first, (cid) => cid.equals(root))
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true })
    await expect(hamt.size()).rejects.toThrow(/not in DAG-CBOR order/)
  })

  it('refuses a key that is not valid UTF-8 instead of reading it as U+FFFD', async () => {
    const cas = new InMemoryCAS()
    const value = await cas.save(dagCbor.encode(1), 'raw')
    const replacement = '\uFFFD'
    const bytes = encodeSlots(
      slots((i) => (i === hashOf(replacement)[0] ? new Map([[replacement, value]]) : undefined)),
    )
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x63, 0xef, 0xbf, 0xbd]))
    const forged = Uint8Array.from(bytes)
    forged.set([0xff, 0xfe, 0xfd], at + 1)
    const root = await cas.save(forged, 'dag-cbor')
    await expectEveryWalkRefused(cas, root, replacement, (cid) => cid.equals(root))
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true })
    await expect(hamt.size()).rejects.toThrow(/not valid UTF-8/)
  })

  it('names the node when a chain is deeper than the hash allows', async () => {
    const cas = new InMemoryCAS()
    const hashFn = () => new Uint8Array([0, 0]) // two bytes: nodes at depths 0 and 1 only
    const value = await cas.save(dagCbor.encode(1), 'raw')
    const leaf = await cas.save(encodeSlots(slots((i) => (i === 0 ? new Map([['a', value]]) : undefined))), 'dag-cbor')
    const middle = await cas.save(encodeSlots(slots((i) => (i === 0 ? leaf : undefined))), 'dag-cbor')
    const root = await cas.save(encodeSlots(slots((i) => (i === 0 ? middle : undefined))), 'dag-cbor')
    await expectEveryWalkRefused(cas, root, 'a', (cid) => cid.equals(leaf), { hashFn })
    const hamt = await HAMT.build({ cas, rootNodeId: root, readOnly: true, hashFn })
    await expect(hamt.get('a')).rejects.toThrow(/deeper than a 2-byte key hash reaches/)
  })

  it('still reads an honest tree after refusing a hostile one, and shares no state between them', async () => {
    const cas = new InMemoryCAS()
    const honest = await HAMT.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`k${i}`, i] as const),
      { cas },
    )
    expect(await honest.size()).toBe(500)
    expect(await honest.get('k499')).toBe(499)
  })
})
