import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KuboCAS } from '@hamt/cas-kubo'
import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import {
  registerXChaCha20Poly1305Codec,
  SimpleEncryptedZarrHAMTStore,
  xchacha20poly1305Codec,
} from '@hamt/zarr-encrypted'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import type { BrowserContext, Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { writeClimateDataset } from 'zarr-climate/dataset'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { FakeSilentGateway, FaultInjectingGatewayProxy } from './fault-gateway.js'
import { launchChromium, serveViewer, type ViewerServer } from './harness.js'
import { type Cell, colourDistance, divergingColour, generated, luminance } from './oracle.js'

// Small, but with every map spread over 2 × 2 chunks and every series over 3.
const DATASET = { days: 10, resolution: 10, timeChunk: 4, spaceChunk: [9, 18] as [number, number] }
const { grid, nLat, nLon, value } = generated(DATASET)
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)
const KEY_HEX = Buffer.from(KEY).toString('hex')
const SHOTS = '/tmp/viewer-shots'

let node: IpfsNode
let viewer: ViewerServer
let browser: { context: BrowserContext; close(): Promise<void> }
const roots: Record<'hamt' | 'sharded' | 'codec' | 'store', CID> = {} as never

beforeAll(async () => {
  ;[node, viewer, browser] = await Promise.all([
    startIpfsNode(),
    serveViewer(),
    launchChromium(),
    mkdir(SHOTS, { recursive: true }),
  ])
  // The datasets go to the test node over RPC; the page will only ever see its gateway.
  const cas = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
  const hamt = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await writeClimateDataset(hamt, DATASET)
  roots.hamt = await hamt.commit()
  const sharded = ShardedZarrStore.create(cas, { chunksPerShard: 5 })
  await writeClimateDataset(sharded, DATASET)
  roots.sharded = await sharded.commit()
  registerXChaCha20Poly1305Codec(KEY)
  const codec = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await writeClimateDataset(codec, { ...DATASET, extraCodecs: [xchacha20poly1305Codec('viewer-test')] })
  roots.codec = await codec.commit()
  const whole = new SimpleEncryptedZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }), {
    encryptionKey: KEY,
    header: 'fully-encrypted-zarr',
  })
  await writeClimateDataset(whole, DATASET)
  roots.store = await whole.commit()
  await cas.close()
})

afterAll(async () => {
  await Promise.allSettled([browser?.close(), viewer?.close(), node?.stop()])
})

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
}

async function canvasPixels(page: Page): Promise<Uint8ClampedArray> {
  const data = await page.$eval('#map', (canvas) => {
    const c = canvas as HTMLCanvasElement
    return Array.from(c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [])
  })
  return Uint8ClampedArray.from(data)
}

/** The map as it appears on screen: a screenshot of the canvas, sampled at the centre of every cell. */
async function screenCells(page: Page): Promise<Uint8ClampedArray> {
  const png = PNG.sync.read(await page.locator('#map').screenshot())
  const cells = new Uint8ClampedArray(nLat * nLon * 4)
  for (let i = 0; i < nLat; i++) {
    for (let j = 0; j < nLon; j++) {
      const x = Math.floor(((j + 0.5) * png.width) / nLon)
      const y = Math.floor(((i + 0.5) * png.height) / nLat)
      const from = (y * png.width + x) * 4
      cells.set(png.data.subarray(from, from + 4), (i * nLon + j) * 4)
    }
  }
  return cells
}

const pixel = (pixels: Uint8ClampedArray, { i, j }: Cell) => pixels.subarray((i * nLon + j) * 4, (i * nLon + j) * 4 + 4)

async function waitForMap(page: Page, variable: string, t: number): Promise<void> {
  try {
    await page.waitForSelector(
      `body[data-state="ready"] #map-figure[data-stale="none"] #map[data-variable="${variable}"][data-time="${t}"]`,
      { timeout: 30_000 },
    )
  } catch (error) {
    // Say what the page showed instead.
    const [status, message] = await page.evaluate(() => [
      document.getElementById('status-text')?.textContent,
      document.getElementById('error')?.textContent,
    ])
    throw new Error(`no map of ${variable} on day ${t}: the page says “${status}” “${message}”`, { cause: error })
  }
}

/** The limits of the colour scale, as the page prints them on the legend. */
async function legendLimits(page: Page): Promise<{ kind: string; min: number; max: number; centre: number }> {
  return page.$eval('#legend', (legend) => {
    const d = (legend as HTMLElement).dataset
    return { kind: d.kind ?? '', min: Number(d.min), max: Number(d.max), centre: Number(d.centre) }
  })
}

/** A page, with the uncaught errors and the console errors (failed requests among them) it reports. */
async function newPage(width = 1280): Promise<{ page: Page; pageErrors: string[]; consoleErrors: string[] }> {
  const page = await browser.context.newPage()
  await page.setViewportSize({ width, height: 900 })
  const pageErrors: string[] = []
  const consoleErrors: string[] = []
  // Every status text and progress value the page shows, in order, for checking what loading displayed.
  await page.addInitScript(() => {
    const log: string[] = []
    ;(window as unknown as { statusLog: string[] }).statusLog = log
    new MutationObserver(() => {
      const text = document.getElementById('status-text')?.textContent ?? ''
      const progress = document.getElementById('progress') as HTMLProgressElement | null
      const entry =
        progress && !progress.hasAttribute('data-idle') ? `${text} [${progress.value}/${progress.max}]` : text
      if (log[log.length - 1] !== entry) log.push(entry)
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  return { page, pageErrors, consoleErrors }
}

function link(params: Record<string, string | string[]>): string {
  const query = new URLSearchParams()
  for (const [name, v] of Object.entries(params)) for (const one of [v].flat()) query.append(name, one)
  return `${viewer.url}?${query}`
}

/** A loopback port nothing listens on (and not one of the ports browsers refuse outright). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The centre of cell (i, j) of the map on screen, in page coordinates. */
async function cellCentre(page: Page, { i, j }: Cell): Promise<{ x: number; y: number }> {
  const box = await page.locator('#map').boundingBox()
  if (box === null) throw new Error('no map on screen')
  return { x: box.x + ((j + 0.5) * box.width) / nLon, y: box.y + ((i + 0.5) * box.height) / nLat }
}

describe('a dataset on the gateway', () => {
  test('opens through the form: title, notes, variables, axes, a fixed diverging scale checked against the generator', async () => {
    const { page, pageErrors, consoleErrors } = await newPage()
    await page.goto(viewer.url)
    await shot(page, '01-empty')
    await page.fill('#gateway', node.gatewayUrl)
    await page.fill('#cid', roots.hamt.toString())
    await page.click('button[type="submit"]')
    await waitForMap(page, 'precipitation', 0)

    expect(await page.textContent('#title')).toBe('Synthetic daily climate')
    expect(await page.textContent('#summary')).toContain('made-up daily temperature and precipitation')
    expect(await page.textContent('#notes-list')).toContain('generated, not observed')
    expect(
      await page.$$eval('#variable option', (options) => options.map((o) => (o as HTMLOptionElement).textContent)),
    ).toEqual(['Daily precipitation (mm/day)', 'Daily mean near-surface air temperature (°C)'])
    expect(await page.getAttribute('#time', 'max')).toBe(String(DATASET.days - 1))
    expect(await page.getAttribute('#time', 'aria-valuetext')).toBe('2000-01-01')
    expect(await page.textContent('#time-start')).toBe('2000-01-01')
    expect(await page.textContent('#time-end')).toBe('2000-01-10')
    // Axes: latitude and longitude labels, the equator and the 0° meridian drawn darker.
    const latLabels = await page.$$eval('#graticule .lat-label', (els) => els.map((e) => e.textContent))
    expect(latLabels).toEqual(['90°N', '60°N', '30°N', '0°', '30°S', '60°S', '90°S'])
    expect(await page.$$eval('#graticule .lon-label', (els) => els.map((e) => e.textContent))).toEqual([
      '180°',
      '120°W',
      '60°W',
      '0°',
      '60°E',
      '120°E',
      '180°',
    ])
    expect(await page.locator('#graticule line.main').count()).toBe(2)
    // Loading said what it was doing and counted the map's 2 × 2 chunks, and never more.
    const shown = await page.evaluate(() => (window as unknown as { statusLog: string[] }).statusLog)
    expect(shown).toContain('Reading the root block through the gateway…')
    expect(shown).toContain('Reading the Zarr metadata…')
    expect(shown).toContain('Loading the decoders… (zstd)')
    expect(shown).toContain('Loading precipitation on 2000-01-01… 0 of 4 chunks [0/4]')
    expect(shown).toContain('Loading precipitation on 2000-01-01… 4 of 4 chunks [4/4]')
    expect(shown.filter((s) => /\[(\d+)\/4\]/.test(s) && Number(/\[(\d+)\//.exec(s)?.[1]) > 4)).toEqual([])
    expect(await page.isHidden('#error')).toBe(true)
    await shot(page, '02-precipitation-day0')

    await page.selectOption('#variable', 'temperature')
    await waitForMap(page, 'temperature', 0)
    expect(await page.textContent('#legend-title')).toBe('Daily mean near-surface air temperature (°C)')
    const limits = await legendLimits(page)
    expect(limits.kind).toBe('diverging')
    expect(limits.centre).toBe(0)
    expect(limits.min).toBeLessThan(-20)
    expect(limits.max).toBeGreaterThan(25)
    // The colour bar has ticks, 0 among them.
    const ticks = await page.$$eval('#legend-ticks span', (els) => els.map((e) => e.textContent))
    expect(ticks.length).toBeGreaterThanOrEqual(5)
    expect(ticks).toContain('0')
    await shot(page, '03-temperature-day0')

    // Every cell, on the canvas and on screen, has the colour the oracle gives its generated value.
    const day0 = await canvasPixels(page)
    const screen0 = await screenCells(page)
    let worst = 0
    for (let i = 0; i < nLat; i++) {
      for (let j = 0; j < nLon; j++) {
        const expected = divergingColour(value('temperature', 0, { i, j }), limits.min, limits.centre, limits.max)
        worst = Math.max(
          worst,
          colourDistance(pixel(day0, { i, j }), expected),
          colourDistance(pixel(screen0, { i, j }), expected),
        )
      }
    }
    expect(worst).toBeLessThanOrEqual(6)
    // The cold pole is at the top: the northernmost row is blue (b > r), the equator's is red.
    const top = pixel(day0, { i: 0, j: 0 })
    const equator = pixel(day0, { i: nLat / 2, j: 0 })
    expect(top[2] as number).toBeGreaterThan(top[0] as number)
    expect(equator[0] as number).toBeGreaterThan(equator[2] as number)

    // A week later the scale is the same, so two cells with (almost) the same value have the same colour.
    await page.locator('#time').fill('7')
    await waitForMap(page, 'temperature', 7)
    expect(await page.getAttribute('#time', 'aria-valuetext')).toBe('2000-01-08')
    expect(await legendLimits(page)).toEqual(limits)
    const day7 = await canvasPixels(page)
    let pair: { a: Cell; b: Cell; gap: number } | undefined
    for (let a = 0; a < nLat * nLon; a++) {
      for (let b = 0; b < nLat * nLon; b++) {
        const ca = { i: Math.floor(a / nLon), j: a % nLon }
        const cb = { i: Math.floor(b / nLon), j: b % nLon }
        const gap = Math.abs(value('temperature', 0, ca) - value('temperature', 7, cb))
        if (pair === undefined || gap < pair.gap) pair = { a: ca, b: cb, gap }
      }
    }
    if (pair === undefined) throw new Error('no cells')
    expect(pair.gap).toBeLessThan(0.01)
    expect(colourDistance(pixel(day0, pair.a), pixel(day7, pair.b))).toBeLessThanOrEqual(1)
    // The map's text alternative names the variable, date and range.
    expect(await page.getAttribute('#map', 'aria-label')).toMatch(
      /^Map of Daily mean near-surface air temperature \(°C\) on 2000-01-08, north up: values from -?\d+(\.\d)? to \d+(\.\d)? °C\.$/,
    )
    expect(pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
    await page.close()
  })

  test('precipitation: dry cells white, wet cells in steps that darken with the amount', async () => {
    const { page } = await newPage()
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.hamt.toString(), variable: 'precipitation', t: '2' }))
    await waitForMap(page, 'precipitation', 2)
    expect((await legendLimits(page)).kind).toBe('stepped')
    const bounds = await page.$$eval('#legend-ticks span[data-value]', (els) =>
      els.map((e) => Number((e as HTMLElement).dataset.value)),
    )
    expect(bounds[0]).toBe(0.1)
    const pixels = await canvasPixels(page)
    const bin = (v: number) => bounds.filter((b) => v >= b).length // 0: dry
    const byBin = new Map<number, Uint8ClampedArray[]>()
    let dry = 0
    for (let i = 0; i < nLat; i++) {
      for (let j = 0; j < nLon; j++) {
        const v = value('precipitation', 2, { i, j })
        const p = pixel(pixels, { i, j })
        if (v === 0) {
          dry++
          expect([...p]).toEqual([255, 255, 255, 255])
        } else if (v >= 0.1) {
          expect([...p.subarray(0, 3)]).not.toEqual([255, 255, 255])
        }
        byBin.set(bin(v), [...(byBin.get(bin(v)) ?? []), p])
      }
    }
    expect(dry).toBeGreaterThan(10)
    // One colour per bin, and heavier bins are darker.
    const bins = [...byBin.keys()].filter((k) => k > 0).sort((a, b) => a - b)
    expect(bins.length).toBeGreaterThanOrEqual(3)
    for (const k of bins) {
      const colours = new Set((byBin.get(k) ?? []).map((p) => [...p].join(',')))
      expect(colours.size).toBe(1)
    }
    for (let n = 1; n < bins.length; n++) {
      const lighter = byBin.get(bins[n - 1] as number)?.[0] as Uint8ClampedArray
      const darker = byBin.get(bins[n] as number)?.[0] as Uint8ClampedArray
      expect(luminance(darker)).toBeLessThan(luminance(lighter))
    }
    await shot(page, '04-precipitation-stepped')
    await page.close()
  })

  test('the value under the pointer, and a click plots the time series with the right values', async () => {
    const { page, pageErrors } = await newPage()
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.hamt.toString(), variable: 'temperature', t: '3' }))
    await waitForMap(page, 'temperature', 3)
    // Cell (4, 19): latitude 45°N, longitude 15°E.
    const cell = { i: 4, j: 19 }
    expect([grid.latitude[cell.i], grid.longitude[cell.j]]).toEqual([45, 15])
    const at = await cellCentre(page, cell)
    await page.mouse.move(at.x, at.y)
    const v = value('temperature', 3, cell)
    const expected = `45°N, 15°E: ${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} °C on 2000-01-04`
    await page.waitForFunction((text) => document.getElementById('readout')?.textContent === text, expected)
    await shot(page, '05-hover')

    await page.mouse.click(at.x, at.y)
    await page.waitForSelector('#series[data-state="ready"]', { timeout: 30_000 })
    expect(await page.textContent('#series-title')).toBe('Daily mean near-surface air temperature (°C) at 45°N, 15°E')
    const table = await page.$$eval('#series-table tbody tr', (rows) =>
      rows.map((r) => [r.children[0]?.textContent, Number((r.children[1] as HTMLElement).dataset.value)]),
    )
    expect(table.map(([date]) => date)).toEqual(
      grid.latitude.length
        ? Array.from({ length: DATASET.days }, (_, t) => `2000-01-${String(t + 1).padStart(2, '0')}`)
        : [],
    )
    for (let t = 0; t < DATASET.days; t++) expect(table[t]?.[1]).toBe(value('temperature', t, cell))
    // The line has a point per day, and its highest point is the warmest day.
    const points = (await page.getAttribute('#series-chart polyline', 'points'))?.split(' ') ?? []
    expect(points).toHaveLength(DATASET.days)
    const ys = points.map((p) => Number(p.split(',')[1]))
    const values = Array.from({ length: DATASET.days }, (_, t) => value('temperature', t, cell))
    expect(ys.indexOf(Math.min(...ys))).toBe(values.indexOf(Math.max(...values)))
    expect(await page.locator('#graticule circle.point').count()).toBe(1)
    await shot(page, '06-series')

    // Previous and next day, and play then pause.
    await page.click('#next')
    await waitForMap(page, 'temperature', 4)
    await page.click('#prev')
    await page.click('#prev')
    await waitForMap(page, 'temperature', 2)
    await page.click('#play')
    expect(await page.textContent('#play')).toContain('Pause')
    await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.time) >= 4, undefined, {
      timeout: 30_000,
    })
    await page.click('#play')
    expect(await page.textContent('#play')).toContain('Play')
    const paused = await page.inputValue('#time')
    await page.waitForTimeout(1000)
    expect(await page.inputValue('#time')).toBe(paused)
    expect(pageErrors).toEqual([])
    await page.close()
  })

  test('moving the slider while the scale is still being worked out draws the last day, with no error', async () => {
    const { page, pageErrors } = await newPage()
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.hamt.toString(), variable: 'precipitation' }))
    await waitForMap(page, 'precipitation', 0)
    // Temperature's scale is not known yet: switch to it and press Next at once, three times.
    await page.evaluate(() => {
      const variable = document.getElementById('variable') as HTMLSelectElement
      variable.value = 'temperature'
      variable.dispatchEvent(new Event('change'))
      for (let i = 0; i < 3; i++) (document.getElementById('next') as HTMLButtonElement).click()
    })
    await waitForMap(page, 'temperature', 3)
    expect(await page.isHidden('#error')).toBe(true)
    expect((await legendLimits(page)).kind).toBe('diverging')
    expect(pageErrors).toEqual([])
    await page.close()
  })

  test("reads a HAMT key's chain of nodes in one request (a path CAR), as every reader does", async () => {
    const { page, pageErrors } = await newPage()
    const urls: string[] = []
    page.on('request', (request) => {
      if (request.url().startsWith(node.gatewayUrl)) urls.push(request.url().slice(node.gatewayUrl.length))
    })
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.hamt.toString(), variable: 'temperature', t: '1' }))
    await waitForMap(page, 'temperature', 1)
    // The first request opens the dataset: the root with zarr.json's chain, /ipfs/{root}/{slot}/0/….
    const pathCars = urls.filter((url) => /^\/ipfs\/[^/?]+\/\d+\/0[/?]/.test(url) && url.includes('format=car'))
    expect(pathCars.length).toBeGreaterThan(0)
    expect(urls[0]).toMatch(new RegExp(`^/ipfs/${roots.hamt.toString()}/\\d+/0`))
    expect(pageErrors).toEqual([])
    await page.close()
  })

  test('a sharded dataset opens and draws the same map', async () => {
    const { page, pageErrors } = await newPage()
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.sharded.toString(), variable: 'temperature', t: '5' }))
    await waitForMap(page, 'temperature', 5)
    const limits = await legendLimits(page)
    const pixels = await canvasPixels(page)
    let worst = 0
    for (let i = 0; i < nLat; i++) {
      for (let j = 0; j < nLon; j++) {
        const expected = divergingColour(value('temperature', 5, { i, j }), limits.min, limits.centre, limits.max)
        worst = Math.max(worst, colourDistance(pixel(pixels, { i, j }), expected))
      }
    }
    expect(worst).toBeLessThanOrEqual(6)
    expect(pageErrors).toEqual([])
    await page.close()
  })

  test('an encrypted dataset asks for the key: chunks only (codec), and the whole store', async () => {
    const { page } = await newPage()
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.codec.toString(), variable: 'temperature' }))
    await page.waitForSelector('body[data-state="key"] #key-form:not([hidden])', { timeout: 30_000 })
    expect(await page.textContent('#key-reason')).toContain('xchacha20poly1305')
    expect(await page.isHidden('#key-header-label')).toBe(true)
    await shot(page, '07-key-asked')
    // A wrong key opens the metadata, but the chunks do not decrypt: the page says so and asks again.
    await page.fill('#key', 'ff'.repeat(32))
    await page.click('#key-form button')
    await page.waitForSelector('#map-figure[data-stale="failed"]', { timeout: 30_000 })
    await page.waitForSelector('#key-form:not([hidden])')
    expect(await page.textContent('#error')).toContain('does not decrypt this dataset')
    await page.fill('#key', KEY_HEX)
    await page.click('#key-form button')
    await waitForMap(page, 'temperature', 0)
    const limits = await legendLimits(page)
    const expected = divergingColour(value('temperature', 0, { i: 9, j: 20 }), limits.min, limits.centre, limits.max)
    expect(colourDistance(pixel(await canvasPixels(page), { i: 9, j: 20 }), expected)).toBeLessThanOrEqual(6)

    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.store.toString() }))
    await page.waitForSelector('body[data-state="key"] #key-form:not([hidden])', { timeout: 30_000 })
    expect(await page.isVisible('#key-header-label')).toBe(true)
    // A wrong key is refused with a message, and the form stays to try again.
    await page.fill('#key', '00'.repeat(32))
    await page.click('#key-form button')
    await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 })
    expect(await page.textContent('#error')).toContain('does not decrypt this dataset')
    await page.fill('#key', Buffer.from(KEY).toString('base64'))
    await page.click('#key-form button')
    await waitForMap(page, 'precipitation', 0)
    await page.close()
  })
})

describe('loading, failing and giving up', () => {
  test('the old map is dimmed and labelled while the next loads, then replaced; flagged when loading fails', async () => {
    const proxy = await FaultInjectingGatewayProxy.start(node.gatewayUrl)
    try {
      const { page } = await newPage()
      // Fixed limits: no days are read ahead for the scale, so each time chunk is fetched when needed.
      await page.goto(
        link({
          gateway: proxy.url,
          cid: roots.hamt.toString(),
          variable: 'temperature',
          t: '0',
          vmin: '-40',
          vmax: '40',
        }),
      )
      await waitForMap(page, 'temperature', 0)
      const before = await canvasPixels(page)
      const frame = await page.locator('#map-frame').boundingBox()

      proxy.setMode('hold')
      await page.locator('#time').fill('5')
      await page.waitForSelector('#map-figure[data-stale="loading"]')
      expect(await page.textContent('#time-label')).toBe('2000-01-06')
      expect(await page.textContent('#stale-note')).toBe(
        'Loading 2000-01-06… The map shown is temperature on 2000-01-01.',
      )
      expect(await page.getAttribute('#map', 'data-time')).toBe('0')
      expect(Number(await page.$eval('#map', (m) => getComputedStyle(m).opacity))).toBeLessThan(0.5)
      // The page did not move while loading.
      expect(await page.locator('#map-frame').boundingBox()).toEqual(frame)
      await shot(page, '08-stale-loading')
      proxy.setMode('pass')
      await waitForMap(page, 'temperature', 5)
      expect(await canvasPixels(page)).not.toEqual(before)
      expect(await page.isHidden('#stale-note')).toBe(true)

      proxy.setMode('fail')
      await page.locator('#time').fill('9')
      await page.waitForSelector('#map-figure[data-stale="failed"]', { timeout: 30_000 })
      const note = (await page.textContent('#stale-note')) ?? ''
      expect(note).toContain(
        'Could not load temperature on 2000-01-10. The map shown is temperature on 2000-01-06, not 2000-01-10.',
      )
      expect(note).toContain(`The gateway at ${proxy.url} answered HTTP 502`)
      expect(await page.textContent('#map-caption')).toContain('on 2000-01-06 (not 2000-01-10: loading failed)')
      expect(await page.textContent('#status-text')).toBe('Could not load the map of 2000-01-10.')
      // Still no jump: the reason is on the map, not in a box above it.
      expect(await page.locator('#map-frame').boundingBox()).toEqual(frame)
      await shot(page, '09-stale-failed')
      await page.close()
    } finally {
      await proxy.close()
    }
  })

  test('slider steps in quick succession cancel the draws before them: only the last day is drawn', async () => {
    const proxy = await FaultInjectingGatewayProxy.start(node.gatewayUrl)
    try {
      const { page } = await newPage()
      await page.goto(
        link({
          gateway: proxy.url,
          cid: roots.hamt.toString(),
          variable: 'temperature',
          t: '0',
          vmin: '-40',
          vmax: '40',
        }),
      )
      await waitForMap(page, 'temperature', 0)
      // Every map drawn from now on, in order.
      await page.evaluate(() => {
        const drawn: string[] = []
        ;(window as unknown as { drawn: string[] }).drawn = drawn
        const map = document.getElementById('map') as HTMLElement
        new MutationObserver(() => drawn.push(map.dataset.time ?? '')).observe(map, {
          attributes: true,
          attributeFilter: ['data-time'],
        })
      })
      const before = proxy.seen.length
      // The gateway holds everything while 9 steps are taken, 30 ms apart.
      proxy.setMode('hold')
      await page.focus('#time')
      for (let i = 0; i < 9; i++) {
        await page.keyboard.press('ArrowRight')
        await page.waitForTimeout(30)
      }
      await page.waitForTimeout(400)
      proxy.setMode('pass')
      await waitForMap(page, 'temperature', 9)
      // Day 1 is in the chunk already read for day 0, so the first step may be drawn at once; no
      // other day before the last is.
      const drawn = await page.evaluate(() => (window as unknown as { drawn: string[] }).drawn)
      expect(drawn.filter((t) => t !== '1')).toEqual(['9'])
      // The first step asked at once (its requests were then aborted); the rest waited for the slider to rest.
      // 2 days × 4 chunks at most, where drawing every step would have asked for 3 time chunks × 4.
      expect(proxy.seen.length - before).toBeLessThanOrEqual(8)
      await page.close()
    } finally {
      await proxy.close()
    }
  })

  test('a silent gateway: elapsed time and Cancel while waiting, then it gives up within the configured time', async () => {
    const silent = await FakeSilentGateway.start()
    try {
      const { page } = await newPage()
      const started = Date.now()
      await page.goto(link({ gateway: silent.url, cid: roots.hamt.toString(), timeout: '2' }))
      await page.waitForFunction(() => /^\d+\.\d s$/.test(document.getElementById('elapsed')?.textContent ?? ''))
      expect(await page.isVisible('#cancel')).toBe(true)
      expect(await page.textContent('#status-text')).toBe('Reading the root block through the gateway…')
      await shot(page, '10-silent-waiting')
      await page.waitForSelector('body[data-state="error"]', { timeout: 10_000 })
      const took = Date.now() - started
      expect(took).toBeLessThan(2000 + 3000)
      expect(took).toBeGreaterThanOrEqual(1900)
      expect(await page.textContent('#error')).toBe(
        `The gateway at ${silent.url} sent nothing for 2 s, so the page gave up. The gateway may be down or busy, or may be looking for the blocks elsewhere: try another gateway (you can list several), or allow more time under “Give up after”.`,
      )
      expect(silent.requests).toBeGreaterThan(0)
      await shot(page, '11-silent-gave-up')

      // Cancel stops a wait at once.
      await page.goto(link({ gateway: silent.url, cid: roots.hamt.toString(), timeout: '60' }))
      await page.waitForSelector('#cancel:not([hidden])')
      await page.click('#cancel')
      await page.waitForSelector('body[data-state="error"]', { timeout: 2000 })
      expect(await page.textContent('#error')).toBe('Cancelled. Press Open to try again.')
      await page.close()
    } finally {
      await silent.close()
    }
  })

  test('several gateways: one that is down is passed over', async () => {
    const { page } = await newPage()
    const down = `http://127.0.0.1:${await closedPort()}`
    await page.goto(link({ gateway: [down, node.gatewayUrl], cid: roots.hamt.toString(), variable: 'temperature' }))
    await waitForMap(page, 'temperature', 0)
    expect(await page.inputValue('#gateway')).toBe(`${down} ${node.gatewayUrl}`)
    await page.close()
  })

  test('at 400 px wide nothing scrolls sideways, loaded or failed', async () => {
    const { page } = await newPage(400)
    await page.goto(link({ gateway: node.gatewayUrl, cid: roots.hamt.toString(), variable: 'temperature', t: '1' }))
    await waitForMap(page, 'temperature', 1)
    const cell = await cellCentre(page, { i: 4, j: 19 })
    await page.mouse.click(cell.x, cell.y)
    await page.waitForSelector('#series[data-state="ready"]', { timeout: 30_000 })
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(await overflow()).toBe(0)
    await shot(page, '12-phone')
    const absent = await new InMemoryCAS().save(new TextEncoder().encode('never stored, phone'), 'dag-cbor')
    await page.goto(link({ gateway: node.gatewayUrl, cid: absent.toString() }))
    await page.waitForSelector('body[data-state="error"]', { timeout: 30_000 })
    expect(await overflow()).toBe(0)
    await shot(page, '13-phone-error')
    await page.close()
  })
})

describe('what cannot be opened gives a readable message', () => {
  async function errorFor(gateway: string, cid: string): Promise<string> {
    const { page, pageErrors } = await newPage()
    await page.goto(link({ gateway, cid }))
    await page.waitForSelector('body[data-state="error"] #error:not([hidden])', { timeout: 30_000 })
    expect(await page.isHidden('#viewer')).toBe(true)
    // The form stays usable to try again.
    expect(await page.inputValue('#cid')).toBe(cid)
    const message = (await page.textContent('#error')) ?? ''
    expect(pageErrors).toEqual([])
    await page.close()
    return message
  }

  test('a CID the gateway does not have', async () => {
    const absent = await new InMemoryCAS().save(new TextEncoder().encode('never stored on the node'), 'dag-cbor')
    const message = await errorFor(node.gatewayUrl, absent.toString())
    expect(message).toContain(`The gateway at ${node.gatewayUrl} has no block for ${absent}`)
    expect(message).toContain('Check the root CID')
  })

  test('text that is not a CID', async () => {
    expect(await errorFor(node.gatewayUrl, 'not-a-cid')).toBe('“not-a-cid” is not a CID')
  })

  test('a CID of something that is neither layout', async () => {
    const kubo = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
    const raw = await kubo.save(new TextEncoder().encode('just some bytes'), 'raw')
    await kubo.close()
    const message = await errorFor(node.gatewayUrl, raw.toString())
    expect(message).toBe(
      `${raw} is not the root of a Zarr dataset in a HAMT or a sharded store: the root block is not DAG-CBOR. Check the root CID: it should be the one the dataset's publisher gives.`,
    )
  })

  test('a gateway address that is not an http(s) URL', async () => {
    expect(await errorFor('ftp://127.0.0.1/', roots.hamt.toString())).toContain('That gateway URL does not work')
  })

  test('a gateway nobody answers at', async () => {
    const gateway = `http://127.0.0.1:${await closedPort()}`
    const message = await errorFor(gateway, roots.hamt.toString())
    expect(message).toContain(`The gateway at ${gateway} cannot be reached. Is the URL right and the gateway running?`)
  })
})
