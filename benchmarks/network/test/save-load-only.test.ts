import { InMemoryCAS } from '@hamt/cas-memory'
import type { Block, CID } from '@hamt/core'
import { describe, expect, test } from 'vitest'
import { readsPaths, SaveLoadOnlyCAS } from '../src/save-load-only.js'

/** A store with a `loadPath`, as KuboCAS gains one. */
class PathReadingCAS extends InMemoryCAS {
  async loadPath(root: CID): Promise<readonly Block[]> {
    return [{ cid: root, bytes: await this.load(root) }]
  }
}

describe('SaveLoadOnlyCAS', () => {
  test('saves and loads through the store it wraps, and hides its loadPath', async () => {
    const inner = new PathReadingCAS()
    const cas = new SaveLoadOnlyCAS(inner)
    const cid = await cas.save(Uint8Array.of(1, 2, 3), 'raw')
    expect(await inner.load(cid)).toEqual(Uint8Array.of(1, 2, 3))
    expect(await cas.load(cid, { offset: 1 })).toEqual(Uint8Array.of(2, 3))
    expect(readsPaths(inner)).toBe(true)
    expect(readsPaths(cas)).toBe(false)
    expect('loadPath' in cas).toBe(false)
  })
})
