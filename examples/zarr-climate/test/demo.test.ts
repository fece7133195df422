import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BlockstoreCAS } from '@hamt/cas-blockstore'
import { CID, HAMT } from '@hamt/core'
import { FsBlockstore } from 'blockstore-fs'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { runExample } from './run-example.js'

const SMALL = ['--days', '60', '--resolution', '15', '--time-chunk', '16']
let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'zarr-climate-'))
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

/** The lines a run prints about what it read, which must not depend on how the dataset was reached. */
function readingReport(stdout: string): string {
  return stdout
    .slice(stdout.indexOf('Opened read-only'))
    .replace(/read in [\d.,]+ (ms|s)(: [\d.,]+ MB\/s)?/g, 'read in …')
}

test('writes into blockstore-fs, reads back, and a second run reopens it', async () => {
  const first = await runExample([...SMALL, '--data-dir', dataDir])
  expect(first.stderr).toBe('')
  expect(first.stdout).toContain(`Store: blockstore-fs, ${path.join(dataDir, 'zarr-climate', 'blocks')}`)
  expect(first.stdout).toContain('on a 15° grid (time 60 × latitude 12 × longitude 24, 8 chunks)')
  expect(first.stdout).toMatch(/Wrote 0\.1 MB of data as 8 chunks \([\d.]+ MB compressed\) in [\d.]+ s: [\d.,]+ MB\/s/)
  const root = /Root CID: (bafyr4\w+)/.exec(first.stdout)?.[1]
  expect(root).toBeDefined()
  expect(first.stdout).toContain('Opened read-only: "Synthetic daily climate", variables precipitation, temperature')
  expect(first.stdout).toMatch(/Time series at 52\.50°N 13\.40°E \(nearest cell 52\.50°N 7\.50°E\), 60 days/)
  expect(first.stdout).toMatch(/temperature: +mean -?[\d.]+ °C, min -?[\d.]+ °C \(2000-\d\d-\d\d\), max/)
  expect(first.stdout).toMatch(/precipitation: total [\d,]+ mm, .*, \d+% of days wet \(≥ 1 mm\)\n/)
  expect(first.stdout).toMatch(/mm\/day, \d+% of cells wet \(≥ 1 mm\/day\)\n/)
  // 2001-07-01 is past the end of 60 days, so the map is of the last day.
  expect(first.stdout).toContain('Map on 2000-02-29 (12 × 24 cells)')
  expect(first.stdout).toMatch(/Annual global means \(area-weighted\), from all 0\.1 MB read in/)
  // 60 days are not a year: the mean says so.
  expect(first.stdout).toMatch(/ {2}2000: [\d.]+ °C, [\d.]+ mm\/day \(60 of 366 days\)\n/)
  expect(first.stdout).toContain('`npx -y pnpm@10.34.9 --filter zarr-climate start -- --reopen` reads it')

  // The blocks are blockstore-fs's own: another program opens them with blockstore-fs alone.
  const blockstore = new FsBlockstore(path.join(dataDir, 'zarr-climate', 'blocks'))
  await blockstore.open()
  const hamt = await HAMT.build<Uint8Array>({
    cas: new BlockstoreCAS(blockstore),
    rootNodeId: CID.parse(root as string),
    readOnly: true,
    valuesAreBytes: true,
  })
  expect(await hamt.has('temperature/zarr.json')).toBe(true)
  await blockstore.close()
  expect((await readFile(path.join(dataDir, 'zarr-climate', 'root'), 'utf8')).trim()).toBe(root)

  const again = await runExample(['--reopen'], { HAMT_DATA_DIR: dataDir })
  expect(again.stdout).toContain(`Reopening root CID ${root}`)
  expect(again.stdout).not.toContain('Wrote')
  expect(readingReport(again.stdout)).toBe(readingReport(first.stdout))

  const byRoot = await runExample(['--root', root as string, '--date', '2000-01-15', '--data-dir', dataDir])
  expect(byRoot.stdout).toContain('Map on 2000-01-15')
})

test('--years 1 writes the whole leap year 2000, and its annual mean covers all 366 days', async () => {
  const run = await runExample(['--years', '1', '--resolution', '30', '--time-chunk', '61', '--data-dir', dataDir])
  expect(run.stdout).toContain('(time 366 × latitude 6 × longitude 12,')
  expect(run.stdout).toMatch(/Time series at .*, 366 days, read in/)
  // A whole year: no "(N of 366 days)" after it, and no day of 2001.
  expect(run.stdout).toMatch(/\n {2}2000: [\d.]+ °C, [\d.]+ mm\/day\n/)
  expect(run.stdout).not.toContain('2001:')
})

test('mistakes are reported with a message and the usage, not a stack trace', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'zarr-climate-empty-'))
  try {
    const cases: [string[], RegExp][] = [
      [['--resolution', '7'], /resolution must be a number of degrees that divides 180, got 7/],
      [['--reopen', '--data-dir', empty], /no dataset saved yet/],
      [['--root', 'not-a-cid'], /--root is not a CID/],
      [['--point', '95,0'], /--point must be LAT,LON/],
      [['--colour'], /Unknown option '--colour'/],
      [['--kubo', '--rpc-url', 'http://127.0.0.1:9', ...SMALL], /No Kubo RPC API answers at http:\/\/127\.0\.0\.1:9/],
    ]
    for (const [args, message] of cases) {
      const failure = await runExample(args).catch((error: { code: number; stderr: string }) => error)
      expect(failure).toMatchObject({ code: 2, stderr: expect.stringMatching(message) })
      expect((failure as { stderr: string }).stderr).toContain('usage: npx -y pnpm@10.34.9 --filter zarr-climate start')
      expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /)
    }
  } finally {
    await rm(empty, { recursive: true, force: true })
  }
})
