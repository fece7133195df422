import { describe, expect, it } from 'vitest'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import {
  type ByteRange,
  type CallOptions,
  type CID,
  type Codec,
  type ContentAddressedStore,
  HAMT,
  InvalidValueError,
  MAX_VALUE_BYTES,
  ReadOnlyError,
  UncommittedChangesError,
} from '../src/index.js'
import { collect } from './collect.js'
import { FaultInjectingCAS } from './fault-injecting-cas.js'

const bytes = (s: string) => new TextEncoder().encode(s)

/** A FAKE store whose saves of the chosen codec never settle while `hang` is set (a dead daemon). */
class HangingCAS implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  hang: Codec | undefined
  seenSignals = 0

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    if (options?.signal !== undefined) this.seenSignals++
    if (codec === this.hang) return new Promise<CID>(() => {})
    return this.inner.save(data, codec, options)
  }

  load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    return this.inner.load(id, range, options)
  }
}

describe('mode changes apply in call order', () => {
  it('a set called right after enableWrite() succeeds', async () => {
    const cas = new InMemoryCAS()
    const first = await HAMT.build({ cas })
    await first.set('a', 1)
    await first.makeReadOnly()
    const h = await HAMT.build({ cas, rootNodeId: first.rootNodeId, readOnly: true })
    const [enabled, set] = await Promise.allSettled([h.enableWrite(), h.set('x', 1)])
    expect(enabled.status).toBe('fulfilled')
    expect(set.status).toBe('fulfilled')
    expect(await h.get('x')).toBe(1)
    const [deleted] = await Promise.allSettled([h.delete('a'), h.makeReadOnly()])
    expect(deleted).toEqual({ status: 'fulfilled', value: true })
  })

  it('a set called right after makeReadOnly() is refused, and saves nothing', async () => {
    const cas = new FaultInjectingCAS()
    const h = await HAMT.build({ cas })
    await h.set('a', 1)
    const raw = cas.saves.raw
    const [, set, del] = await Promise.allSettled([h.makeReadOnly(), h.set('x', 1), h.delete('a')])
    expect(set.status === 'rejected' && set.reason).toBeInstanceOf(ReadOnlyError)
    expect(del.status === 'rejected' && del.reason).toBeInstanceOf(ReadOnlyError)
    expect(cas.saves.raw).toBe(raw)
    expect(await h.get('x')).toBeUndefined()
    expect(await h.get('a')).toBe(1)
  })

  it('when a commit fails, writes queued behind it still find write mode', async () => {
    const cas = new FaultInjectingCAS()
    const h = await HAMT.build({ cas })
    await h.set('a', 1)
    cas.onSave = (codec) => (codec === 'dag-cbor' ? new Error('store down') : undefined)
    const [commit, set] = await Promise.allSettled([h.makeReadOnly(), h.set('b', 2)])
    expect(commit.status).toBe('rejected')
    expect(set.status).toBe('fulfilled')
    cas.onSave = () => undefined
    await h.makeReadOnly()
    expect(await h.get('b')).toBe(2)
  })
})

describe('values the hash or codec cannot take', () => {
  it('refuses a 2.5 GiB value with InvalidValueError, and the process keeps working', async () => {
    const cas = new InMemoryCAS()
    const h = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
    // Never written to, so the OS never commits its pages.
    const huge = new Uint8Array(2.5 * 1024 * 1024 * 1024)
    const error = await h.set('huge', huge).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidValueError)
    expect((error as Error).message).toMatch(/more than the \d+ a value may hold/)
    const cbor = await HAMT.build({ cas })
    await expect(cbor.set('huge', huge)).rejects.toBeInstanceOf(InvalidValueError)
    // Hashing and storing still work, in this HAMT and in a new one.
    await h.set('small', bytes('ok'))
    expect(await h.get('small')).toEqual(bytes('ok'))
    const fresh = await HAMT.build({ cas })
    await fresh.set('k', { v: 1 })
    await fresh.makeReadOnly()
    expect(await fresh.get('k')).toEqual({ v: 1 })
    expect(MAX_VALUE_BYTES).toBeLessThan(huge.length)
  })
})

describe('a store that never settles', () => {
  it('a commit with an AbortSignal gives up, loses nothing, and completes later', async () => {
    const cas = new HangingCAS()
    const h = await HAMT.build({ cas })
    for (let i = 0; i < 50; i++) await h.set(`k${i}`, i)
    cas.hang = 'dag-cbor'
    const error = await h.makeReadOnly({ signal: AbortSignal.timeout(50) }).catch((e: unknown) => e)
    expect((error as Error).name).toBe('TimeoutError')
    expect(h.readOnly).toBe(false)
    expect(cas.seenSignals).toBeGreaterThan(0)
    // The queue is free again: writes and reads go on.
    await h.set('after', 1)
    expect(await h.get('k7')).toBe(7)
    cas.hang = undefined
    await h.makeReadOnly()
    const reference = await HAMT.build({ cas: new InMemoryCAS() })
    for (let i = 0; i < 50; i++) await reference.set(`k${i}`, i)
    await reference.set('after', 1)
    await reference.makeReadOnly()
    expect(h.rootNodeId.toString()).toBe(reference.rootNodeId.toString())
  })

  it('a set whose value save never settles gives up on its signal and frees the queue', async () => {
    const cas = new HangingCAS()
    const h = await HAMT.build({ cas })
    cas.hang = 'raw'
    const controller = new AbortController()
    const stuck = h.set('stuck', 1, { signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(stuck).rejects.toThrow('gave up')
    cas.hang = undefined
    await h.set('next', 2)
    expect(await h.get('next')).toBe(2)
    expect(await h.get('stuck')).toBeUndefined()
    await expect(h.cacheVacate({ signal: AbortSignal.abort() })).rejects.toThrow()
    await h.makeReadOnly()
    expect(await h.size()).toBe(1)
  })
})

describe('an empty HAMT', () => {
  it('is created with no store round trip, and its root is saved by the first commit', async () => {
    const cas = new FaultInjectingCAS()
    const h = await HAMT.build({ cas })
    expect(cas.saves).toEqual({ raw: 0, 'dag-cbor': 0 })
    expect(cas.loads).toEqual([])
    expect(() => h.rootNodeId).toThrow(UncommittedChangesError)
    expect(await h.size()).toBe(0)
    expect(await h.get('a')).toBeUndefined()
    await h.makeReadOnly()
    expect(cas.saves['dag-cbor']).toBe(1)
    // py-hamt's empty root (vectors D3).
    expect(h.rootNodeId.toString()).toBe('bafyr4igb3js3dqlnsvmbi533lhghfet3l4r35vbi7mlrvxjb6f3n5wkc3m')
    const reopened = await HAMT.build({ cas, rootNodeId: h.rootNodeId, readOnly: true })
    expect(await reopened.size()).toBe(0)
  })

  it('is created even when every store call fails', async () => {
    const cas = new FaultInjectingCAS()
    cas.onSave = () => new Error('no daemon')
    cas.onLoad = () => new Error('no daemon')
    const h = await HAMT.build({ cas })
    expect(await collect(h.keys())).toEqual([])
    await expect(h.makeReadOnly()).rejects.toThrow('no daemon')
  })
})
