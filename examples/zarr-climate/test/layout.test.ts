import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { openZarrWithLayout } from '@hamt/zarr-open'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import { expect, test } from 'vitest'
import { writeClimateDataset } from '../src/dataset.js'
import { openClimateDataset, readMap, readSeries } from '../src/read.js'
import { runExample } from './run-example.js'

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

test('--layout sharded writes the demo as sharded_zarr_v2 and reads the same figures as the HAMT layout', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'zarr-climate-layout-'))
  try {
    const small = ['--days', '40', '--resolution', '15', '--time-chunk', '16']
    const sharded = await runExample([...small, '--layout', 'sharded', '--data-dir', path.join(dir, 's')])
    const hamt = await runExample([...small, '--data-dir', path.join(dir, 'h')])
    expect(sharded.stderr).toBe('')
    const report = (out: string) =>
      out.slice(out.indexOf('Opened read-only')).replace(/read in [\d.,]+ (ms|s)(: [\d.,]+ MB\/s)?/g, '')
    expect(report(sharded.stdout)).toContain('Time series at')
    expect(report(sharded.stdout)).toBe(report(hamt.stdout))
    expect(/Root CID: (\w+)/.exec(sharded.stdout)?.[1]).not.toBe(/Root CID: (\w+)/.exec(hamt.stdout)?.[1])
    const bad = await runExample(['--layout', 'zip']).catch((error: { code: number; stderr: string }) => error)
    expect(bad).toMatchObject({ code: 2 })
    expect(bad.stderr).toContain('--layout must be hamt or sharded, got "zip"')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
