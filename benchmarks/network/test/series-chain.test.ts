import { describe, expect, test } from 'vitest'
import { seriesChain } from '../src/series-chain.js'

describe('seriesChain', () => {
  test('path reads and consolidated metadata take the HAMT to three round trips, as the sharded layout', () => {
    const on = { consolidated: true, pathReads: true }
    expect(seriesChain('plain', on)).toHaveLength(2)
    expect(seriesChain('sharded', on)).toHaveLength(3)
    expect(seriesChain('hamt', on)).toEqual([
      'root with zarr.json’s nodes',
      'zarr.json (consolidated) ∥ every level-1 node',
      'chunks',
    ])
    expect(seriesChain('hamt-preload', on)).toHaveLength(3)
  })

  test('without either, the metadata or its node takes a round trip more', () => {
    for (const settings of [
      { consolidated: false, pathReads: true },
      { consolidated: true, pathReads: false },
      { consolidated: false, pathReads: false },
    ]) {
      expect(seriesChain('hamt', settings)).toHaveLength(4)
      expect(seriesChain('hamt-preload', settings)).toHaveLength(4)
    }
  })
})
