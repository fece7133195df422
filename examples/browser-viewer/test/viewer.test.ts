import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KuboCAS } from '@hamt/cas-kubo'
import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import type { BrowserContext, Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { climateGrid, precipitationAt, temperatureAt, VARIABLES, writeClimateDataset } from 'zarr-climate/dataset'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { colormapFor, colourTable, renderPixels, valueRange } from '../src/colormap.js'
import { launchChromium, serveViewer, type ViewerServer } from './harness.js'

// Small, but with every map spread over 2 × 2 chunks.
const DATASET = { days: 10, resolution: 10, timeChunk: 4, spaceChunk: [9, 18] as [number, number] }
const grid = climateGrid(DATASET)
const nLat = grid.latitude.length
const nLon = grid.longitude.length

let node: IpfsNode
let viewer: ViewerServer
let browser: { context: BrowserContext; close(): Promise<void> }
let root: CID

beforeAll(async () => {
  ;[node, viewer, browser] = await Promise.all([startIpfsNode(), serveViewer(), launchChromium()])
  // The dataset goes to the test node over RPC; the page will only ever see its gateway.
  const cas = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
  const store = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  await writeClimateDataset(store, DATASET)
  root = await store.commit()
  await cas.close()
})

afterAll(async () => {
  await Promise.allSettled([browser?.close(), viewer?.close(), node?.stop()])
})

/** The pixels the page should draw for a variable on day `t`, computed here from the generator. */
function expectedPixels(
  name: keyof typeof VARIABLES,
  t: number,
): { pixels: Uint8ClampedArray; table: Uint8Array; range: [number, number] } {
  const at = name === 'temperature' ? temperatureAt : precipitationAt
  const values = new Float32Array(nLat * nLon)
  for (let i = 0; i < nLat; i++) {
    for (let j = 0; j < nLon; j++) values[i * nLon + j] = at(t, grid.latitude[i] as number, grid.longitude[j] as number)
  }
  const range = valueRange(values)
  const table = colourTable(colormapFor(name, VARIABLES[name].attributes).map)
  return { pixels: renderPixels(values, nLat, nLon, true, range, table), table, range }
}

async function canvasPixels(page: Page, selector: string): Promise<Uint8ClampedArray> {
  const data = await page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement
    return Array.from(c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [])
  })
  return Uint8ClampedArray.from(data)
}

/** The map as it appears on screen: a screenshot, sampled at the centre of every cell. */
async function screenCells(page: Page): Promise<Uint8ClampedArray> {
  const png = PNG.sync.read(await page.locator('#map').screenshot())
  const border = 1
  const width = png.width - 2 * border
  const height = png.height - 2 * border
  const cells = new Uint8ClampedArray(nLat * nLon * 4)
  for (let i = 0; i < nLat; i++) {
    for (let j = 0; j < nLon; j++) {
      const x = border + Math.floor(((j + 0.5) * width) / nLon)
      const y = border + Math.floor(((i + 0.5) * height) / nLat)
      const from = (y * png.width + x) * 4
      cells.set(png.data.subarray(from, from + 4), (i * nLon + j) * 4)
    }
  }
  return cells
}

async function waitForMap(page: Page, variable: string, t: number): Promise<void> {
  await page.waitForSelector(`body[data-state="ready"] #map[data-variable="${variable}"][data-time="${t}"]`, {
    timeout: 30_000,
  })
}

/** A page, with the uncaught errors and the console errors (failed requests among them) it reports. */
async function newPage(): Promise<{ page: Page; pageErrors: string[]; consoleErrors: string[] }> {
  const page = await browser.context.newPage()
  const pageErrors: string[] = []
  const consoleErrors: string[] = []
  // Every status text and progress value the page shows, in order, for checking what loading displayed.
  await page.addInitScript(() => {
    const log: string[] = []
    ;(window as unknown as { statusLog: string[] }).statusLog = log
    new MutationObserver(() => {
      const text = document.getElementById('status-text')?.textContent ?? ''
      const progress = document.getElementById('progress') as HTMLProgressElement | null
      const entry = progress && !progress.hidden ? `${text} [${progress.value}/${progress.max}]` : text
      if (log[log.length - 1] !== entry) log.push(entry)
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  return { page, pageErrors, consoleErrors }
}

/** A loopback port nothing listens on (and not one of the ports browsers refuse outright). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('a dataset on the gateway', () => {
  test('is listed and drawn, and the slider and the variable menu redraw it', async () => {
    const { page, pageErrors, consoleErrors } = await newPage()
    // Opened through the form, as a person would.
    await page.goto(viewer.url)
    await page.fill('#gateway', node.gatewayUrl)
    await page.fill('#cid', root.toString())
    await page.click('button[type="submit"]')
    await waitForMap(page, 'precipitation', 0)

    expect(await page.textContent('#title')).toBe('Synthetic daily climate')
    expect(
      await page.$$eval('#variable option', (options) => options.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(['precipitation', 'temperature'])
    expect(await page.getAttribute('#time', 'max')).toBe(String(DATASET.days - 1))
    expect(await page.textContent('#time-label')).toBe('2000-01-01')
    expect(await page.isHidden('#progress')).toBe(true)
    // Loading said what it was doing, and counted the map's 2 × 2 chunks.
    const shown = await page.evaluate(() => (window as unknown as { statusLog: string[] }).statusLog)
    expect(shown).toContain('Reading the HAMT root through the gateway…')
    expect(shown).toContain('Reading the Zarr metadata…')
    expect(shown).toContain('Loading precipitation on 2000-01-01… [0/4]')
    expect(shown).toContain('Loading precipitation on 2000-01-01… [4/4]')
    expect(await page.isHidden('#error')).toBe(true)

    await page.selectOption('#variable', 'temperature')
    await waitForMap(page, 'temperature', 0)
    const day0 = expectedPixels('temperature', 0)
    expect(await canvasPixels(page, '#map')).toEqual(day0.pixels)
    expect(await screenCells(page)).toEqual(day0.pixels)
    // The legend: the colour scale end to end, and the range it spans.
    const legend = await canvasPixels(page, '#legend-bar')
    expect([...legend.subarray(0, 3)]).toEqual([...day0.table.subarray(0, 3)])
    expect([...legend.subarray(255 * 4, 255 * 4 + 3)]).toEqual([...day0.table.subarray(255 * 3, 256 * 3)])
    expect(await page.textContent('#legend-min')).toBe(
      day0.range[0].toLocaleString('en-US', { maximumFractionDigits: 1 }),
    )
    expect(await page.textContent('#legend-max')).toBe(
      day0.range[1].toLocaleString('en-US', { maximumFractionDigits: 1 }),
    )
    expect(await page.textContent('#legend-units')).toBe('degC')

    await page.locator('#time').fill('7')
    await waitForMap(page, 'temperature', 7)
    expect(await page.textContent('#time-label')).toBe('2000-01-08')
    const day7 = expectedPixels('temperature', 7)
    expect(day7.pixels).not.toEqual(day0.pixels)
    expect(await canvasPixels(page, '#map')).toEqual(day7.pixels)
    expect(await screenCells(page)).toEqual(day7.pixels)

    await page.selectOption('#variable', 'precipitation')
    await waitForMap(page, 'precipitation', 7)
    expect(await canvasPixels(page, '#map')).toEqual(expectedPixels('precipitation', 7).pixels)
    // The address now reproduces the view.
    expect(new URL(page.url()).searchParams.get('t')).toBe('7')
    expect(pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
    await page.close()
  })

  test('a link with the gateway, CID, variable and time opens straight to that map', async () => {
    const { page, pageErrors, consoleErrors } = await newPage()
    const query = new URLSearchParams({
      gateway: node.gatewayUrl,
      cid: root.toString(),
      variable: 'temperature',
      t: '3',
    })
    await page.goto(`${viewer.url}?${query}`)
    await waitForMap(page, 'temperature', 3)
    expect(await canvasPixels(page, '#map')).toEqual(expectedPixels('temperature', 3).pixels)
    expect(pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
    await page.close()
  })
})

describe('what cannot be opened gives a readable message', () => {
  async function errorFor(gateway: string, cid: string): Promise<string> {
    const { page, pageErrors } = await newPage()
    await page.goto(`${viewer.url}?${new URLSearchParams({ gateway, cid })}`)
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

  test('a CID of something that is not a HAMT', async () => {
    // A value block of the dataset (raw bytes), not its root node.
    const kubo = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
    const raw = await kubo.save(new TextEncoder().encode('just some bytes'), 'raw')
    await kubo.close()
    const message = await errorFor(node.gatewayUrl, raw.toString())
    expect(message).toContain(`${raw} is not the root of a HAMT`)
  })

  test('a gateway address that is not an http(s) URL', async () => {
    expect(await errorFor('ftp://127.0.0.1/', root.toString())).toContain('That gateway URL does not work')
  })

  test('a gateway nobody answers at', async () => {
    const gateway = `http://127.0.0.1:${await closedPort()}`
    const message = await errorFor(gateway, root.toString())
    expect(message).toContain(`Cannot reach the gateway at ${gateway}. Is the URL right and the gateway running?`)
  })
})
