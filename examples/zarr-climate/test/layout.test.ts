import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { openZarrWithLayout } from '@hamt/zarr-open'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import { expect, test } from 'vitest'
import { writeClimateDataset } from '../src/dataset.js'
import { openClimateDataset, readMap, readSeries } from '../src/read.js'

const OPTIONS = { days: 40, resolution: 15, timeChunk: 16, spaceChunk: [5, 7] as [number, number] }

test('the demo dataset written in the sharded layout reads, through openZarr, exactly as the HAMT layout', async () => {
  const cas = new InMemoryCAS()
  const hamt = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await writeClimateDataset(hamt, OPTIONS)
  const sharded = ShardedZarrStore.create(cas)
  await writeClimateDataset(sharded, OPTIONS)
  const values = []
  for (const [root, expected] of [
    [await hamt.commit(), 'hamt'],
    [await sharded.commit(), 'sharded_zarr_v2'],
  ] as const) {
    const { layout, store } = await openZarrWithLayout(cas, root)
    expect(layout).toBe(expected)
    const dataset = await openClimateDataset(store)
    const temperature = await dataset.variable('temperature')
    values.push({ series: await readSeries(temperature, 3, 5), map: await readMap(temperature, 20) })
  }
  expect(values[0]?.series.length).toBe(40)
  expect(values[1]).toEqual(values[0])
})
