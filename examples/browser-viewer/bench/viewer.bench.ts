/**
 * Figures of the viewer in Chromium against the test IPFS node on loopback (printed, never asserted):
 * time to the first map, time to plot a cell's 200-chunk time series, and the requests and time 30
 * slider steps take. Each is set beside a baseline run in this process: the same read done by Node
 * with zarrita on the same gateway.
 *
 *   npx -y pnpm@10.34.9 --filter browser-viewer bench
 */
import { KuboCAS } from '@hamt/cas-kubo'
import { HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import { writeClimateDataset } from 'zarr-climate/dataset'
import * as zarr from 'zarrita'
import { startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { launchChromium, serveViewer } from '../test/harness.js'

// 200 days, one day per chunk: a cell's series spans 200 chunks; a map spans 2 × 2.
const DATASET = { days: 200, resolution: 5, timeChunk: 1, spaceChunk: [18, 36] as [number, number] }

const [node, viewer, browser] = await Promise.all([startIpfsNode(), serveViewer(), launchChromium()])
try {
  const cas = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
  const store = new ZarrHAMTStore(await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true }))
  let started = performance.now()
  await writeClimateDataset(store, DATASET)
  const root = await store.commit()
  console.log(
    `dataset: ${DATASET.days} days, 36 × 72 cells, written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )

  // Baselines: Node reads the same map and series through a fresh store on the same gateway.
  const reader = new KuboCAS({ gatewayBaseUrl: node.gatewayUrl, trustless: true })
  started = performance.now()
  const nodeStore = new ZarrHAMTStore(
    await HAMT.build<Uint8Array>({ cas: reader, rootNodeId: root, readOnly: true, valuesAreBytes: true }),
  )
  const temp = await zarr.open.v3(
    zarr.root(await zarr.withMaybeConsolidatedMetadata(nodeStore)).resolve('temperature'),
    { kind: 'array' },
  )
  await zarr.get(temp, [0, null, null])
  const nodeMapMs = performance.now() - started
  started = performance.now()
  await zarr.get(temp, [null, 9, 20])
  const nodeSeriesMs = performance.now() - started
  await reader.close()
  await cas.close()

  const page = await browser.context.newPage()
  // Notes when the map of day 0 is first drawn, by the page's clock (resource timings use the same).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('#map[data-time="0"]') === null) return
      ;(window as unknown as { mapDrawnAt: number }).mapDrawnAt = performance.now()
      observer.disconnect()
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-time'] })
  })
  let requests = 0
  page.on('request', (request) => {
    if (request.url().startsWith(node.gatewayUrl)) requests++
  })
  const query = new URLSearchParams({ gateway: node.gatewayUrl, cid: root.toString(), variable: 'temperature', t: '0' })
  started = performance.now()
  await page.goto(`${viewer.url}?${query}`)
  await page.waitForSelector('body[data-state="ready"] #map[data-time="0"]', { timeout: 120_000 })
  const firstMapMs = performance.now() - started
  // Requests the page started before it drew the map, by its own clock; after the map the viewer
  // loads the rest of the HAMT's index in the background.
  await page.waitForLoadState('networkidle')
  const firstMapRequests = await page.evaluate((gateway) => {
    const drawnAt = (window as unknown as { mapDrawnAt: number }).mapDrawnAt
    return performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.startsWith(gateway) && entry.startTime < drawnAt).length
  }, node.gatewayUrl)
  console.log(
    `first map (open, metadata, decoders, coordinates, scale from 3 days, map): ${firstMapMs.toFixed(0)} ms, ` +
      `${firstMapRequests} requests, then ${requests - firstMapRequests} loading the index; ` +
      `Node reading the map alone: ${nodeMapMs.toFixed(0)} ms (ratio ${(firstMapMs / nodeMapMs).toFixed(2)})`,
  )

  const box = await page.locator('#map').boundingBox()
  if (box === null) throw new Error('no map')
  requests = 0
  started = performance.now()
  await page.mouse.click(box.x + (20.5 * box.width) / 72, box.y + (9.5 * box.height) / 36)
  await page.waitForSelector('#series[data-state="ready"]', { timeout: 120_000 })
  const seriesMs = performance.now() - started
  console.log(
    `time series of one cell (200 chunks): ${seriesMs.toFixed(0)} ms, ${requests} requests; ` +
      `Node: ${nodeSeriesMs.toFixed(0)} ms (ratio ${(seriesMs / nodeSeriesMs).toFixed(2)})`,
  )

  // 30 presses of the right arrow on the slider, 40 ms apart (a held key repeats about that fast).
  await page.reload()
  await page.waitForSelector('body[data-state="ready"] #map[data-time="0"]', { timeout: 120_000 })
  await page.waitForLoadState('networkidle')
  requests = 0
  await page.focus('#time')
  started = performance.now()
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('ArrowRight')
    await page.waitForTimeout(40)
  }
  await page.waitForSelector('body[data-state="ready"] #map-figure[data-stale="none"] #map[data-time="30"]', {
    timeout: 120_000,
  })
  const settleMs = performance.now() - started
  console.log(
    `30 slider steps: ${requests} gateway requests (every step drawn in full would be ${30 * 4}), settled on day 30 after ${settleMs.toFixed(0)} ms (1.2 s of it the key presses)`,
  )
  await page.close()
} finally {
  await Promise.allSettled([browser.close(), viewer.close(), node.stop()])
}
