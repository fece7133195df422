import { abortable } from './abortable.js'
import { drawGraticule, type Extent, gridExtent } from './axes.js'
import { drawColourBar } from './colorbar.js'
import { describeError } from './describe-error.js'
import { parseGateways } from './gateways.js'
import { parseKey } from './key.js'
import {
  type DatasetKey,
  KeyNeededError,
  type MapVariable,
  type OpenStep,
  openDataset,
  type ViewerDataset,
} from './open-dataset.js'
import { type ColourScale, makeScale, rangeFromAttributes, renderPixels, scaleTitle } from './scale.js'
import { drawSeries } from './series-chart.js'
import { ui } from './ui.js'
import { formatLatitude, formatLongitude, formatValue, readableUnits } from './units.js'
import { CancelledError, SupersededError, Watchdog } from './watchdog.js'

const STEP_TEXT: Record<OpenStep, string> = {
  root: 'Reading the root block through the gateway…',
  metadata: 'Reading the Zarr metadata…',
  decoders: 'Loading the decoders…',
  coordinates: 'Reading the coordinates…',
}
const READOUT_HINT = 'Point at the map for a value; click a point for its time series.'

/** What the map on screen shows: it may lag the slider while the next map loads. */
interface Shown {
  variable: MapVariable
  t: number
  values: Float32Array | Float64Array
  scale: ColourScale
}

let dataset: ViewerDataset | undefined
let gateways: string[] = []
let openWatch: Watchdog | undefined
let renderWatch: Watchdog | undefined
let seriesWatch: Watchdog | undefined
let renderTimer: ReturnType<typeof setTimeout> | undefined
/** When the slider last moved; moves closer together than SLIDE_GAP_MS are a drag. */
let lastSlideAt = Number.NEGATIVE_INFINITY
const SLIDE_GAP_MS = 250
const SLIDE_REST_MS = 200
let shown: Shown | undefined
let extent: Extent | undefined
let point: { row: number; col: number } | undefined
let playing = false
/** The automatic colour range of each variable, worked out once per dataset. */
let autoRanges = new Map<string, Promise<[number, number]>>()
/**
 * Aborts the dataset's shared reads (the days sampled for a scale) when another dataset is opened or
 * Cancel is pressed; not when the slider moves on, since the next map needs the same scale.
 */
let datasetReads = new AbortController()
/** An open that needs a key, waiting for it. */
let pendingOpen: { cid: string; initial: Initial; kind: 'store' | 'codec' } | undefined

interface Initial {
  variable?: string | undefined
  t?: number | undefined
}

function giveUpMs(): number {
  const seconds = Number(ui.giveUp.value)
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 15) * 1000
}

/** `data-state` on <body> says what the page is doing: idle, loading, ready, key or error. */
function setStatus(state: 'loading' | 'ready' | 'error' | 'key', text: string): void {
  document.body.dataset.state = state
  ui.statusText.textContent = text
  ui.cancel.hidden = state !== 'loading'
  if (state !== 'loading') ui.elapsed.textContent = ''
}

function showError(message: string): void {
  ui.error.textContent = message
  ui.error.hidden = false
  setStatus('error', 'Something went wrong.')
}

function showElapsed(ms: number): void {
  ui.elapsed.textContent = `${(ms / 1000).toFixed(1)} s`
}

function watch(): Watchdog {
  return new Watchdog(giveUpMs(), showElapsed)
}

function selectedVariable(): MapVariable {
  const found = dataset?.variables.find((v) => v.name === ui.variable.value)
  if (found === undefined) throw new Error('no variable selected')
  return found
}

function stopAll(): void {
  for (const w of [openWatch, renderWatch, seriesWatch]) w?.supersede()
  clearTimeout(renderTimer)
  setPlaying(false)
}

async function open(cid: string, initial: Initial = {}, key?: DatasetKey): Promise<void> {
  stopAll()
  void dataset?.close()
  dataset = undefined
  shown = undefined
  point = undefined
  autoRanges = new Map()
  datasetReads.abort(new SupersededError())
  datasetReads = new AbortController()
  gateways = parseGateways(ui.gateway.value)
  ui.error.hidden = true
  ui.keyForm.hidden = true
  ui.viewer.hidden = true
  ui.series.hidden = true
  const w = watch()
  openWatch = w
  setStatus('loading', 'Connecting…')
  ui.progress.dataset.idle = ''
  writeAddress({ cid })
  try {
    const opened = await openDataset(cid, {
      gateways,
      // With several gateways, one that hangs leaves time to ask the next.
      requestTimeoutMs: gateways.length > 1 ? giveUpMs() / 2 : giveUpMs(),
      signal: w.signal,
      ...(key === undefined ? {} : { key }),
      onStep: (step, detail) => {
        if (openWatch === w) setStatus('loading', detail ? `${STEP_TEXT[step]} (${detail})` : STEP_TEXT[step])
      },
    })
    w.stop()
    if (openWatch !== w) return void opened.close()
    dataset = opened
    showDataset(opened, initial)
    await render(true)
    opened.warmIndex()
  } catch (raw) {
    w.stop()
    if (openWatch !== w) return
    const error = w.reason(raw)
    if (error instanceof KeyNeededError) return askForKey(error, cid, initial)
    if (hasCode(error, 'ERR_DECRYPTION') && key !== undefined) {
      askForKey(new KeyNeededError(key.kind), cid, initial)
      return showError(describeError(error, gateways, cid))
    }
    showError(describeError(error, gateways, cid.trim()))
  }
}

function askForKey(error: KeyNeededError, cid: string, initial: Initial): void {
  pendingOpen = { cid, initial, kind: error.kind }
  ui.keyReason.textContent = `This dataset is encrypted: ${error.message}. Enter its key to open it; the key stays in this page.`
  ui.keyHeaderLabel.hidden = error.kind !== 'store'
  ui.keyForm.hidden = false
  setStatus('key', 'Waiting for the key.')
  ui.key.focus()
}

function showDataset(opened: ViewerDataset, initial: Initial): void {
  ui.title.textContent = opened.title
  ui.summary.textContent = opened.summary
  ui.notesList.replaceChildren(
    ...opened.notes.flatMap(([name, value]) => {
      const dt = document.createElement('dt')
      dt.textContent = name
      const dd = document.createElement('dd')
      dd.textContent = value
      return [dt, dd]
    }),
  )
  ui.notes.hidden = opened.notes.length === 0
  ui.variable.replaceChildren(
    ...opened.variables.map((v) => {
      const option = document.createElement('option')
      option.value = v.name
      const units = readableUnits(v.attributes.units)
      option.textContent = `${String(v.attributes.long_name ?? v.name)}${units ? ` (${units})` : ''}`
      return option
    }),
  )
  if (initial.variable !== undefined && opened.variables.some((v) => v.name === initial.variable)) {
    ui.variable.value = initial.variable
  }
  setTimeAxis(initial.t ?? 0)
  ui.viewer.hidden = false
  setGrid()
}

/** The slider's range and end dates, and the map's shape, for the selected variable. */
function setTimeAxis(t: number): void {
  const variable = selectedVariable()
  const times = dataset?.grid(variable.name).times ?? []
  const steps = variable.shape[0]
  ui.time.max = String(steps - 1)
  ui.time.value = String(Math.min(Math.max(0, Math.trunc(Number.isFinite(t) ? t : 0)), steps - 1))
  ui.timeStart.textContent = times[0] ?? ''
  ui.timeEnd.textContent = times[steps - 1] ?? ''
  showTimeLabel()
}

function setGrid(): void {
  const variable = selectedVariable()
  const grid = dataset?.grid(variable.name)
  if (grid === undefined) return
  extent = gridExtent(grid.latitude, grid.longitude)
  // The frame keeps the map's proportions before any map is drawn: nothing moves when it arrives.
  ui.frame.style.aspectRatio = `${extent.east - extent.west} / ${extent.north - extent.south}`
  drawAxes()
}

function drawAxes(): void {
  if (extent === undefined || dataset === undefined) return
  const grid = dataset.grid(selectedVariable().name)
  const at =
    point === undefined
      ? undefined
      : { lat: grid.latitude[point.row] as number, lon: grid.longitude[point.col] as number }
  drawGraticule(ui.graticule, extent, ui.frame.clientWidth < 500, at)
}

function currentLabel(): string {
  const variable = selectedVariable()
  return dataset?.grid(variable.name).times[Number(ui.time.value)] ?? ''
}

function showTimeLabel(): void {
  const label = currentLabel()
  ui.timeLabel.textContent = label
  ui.time.setAttribute('aria-valuetext', label)
}

/** The colour range of a variable: the user's limits, else its attributes, else its values on three days. */
async function rangeFor(
  variable: MapVariable,
  signal: AbortSignal,
): Promise<{ range: [number, number]; from: string }> {
  const vmin = ui.vmin.value.trim() === '' ? Number.NaN : Number(ui.vmin.value)
  const vmax = ui.vmax.value.trim() === '' ? Number.NaN : Number(ui.vmax.value)
  const opened = dataset
  if (opened === undefined) throw new Error('no dataset')
  let auto = autoRanges.get(variable.name)
  let from = 'the data on the first, middle and last days'
  const attributes = rangeFromAttributes(variable.attributes)
  if (attributes !== undefined) {
    auto = Promise.resolve(attributes)
    from = 'the variable’s attributes'
  }
  if (Number.isFinite(vmin) && Number.isFinite(vmax) && vmax > vmin) return { range: [vmin, vmax], from: 'your limits' }
  if (auto === undefined) {
    const last = variable.shape[0] - 1
    const days = [...new Set([0, Math.floor(last / 2), last])]
    const shared = datasetReads.signal
    auto = Promise.all(days.map((t) => opened.readMap(variable.name, t, { signal: shared }))).then((maps) => {
      let lo = Number.POSITIVE_INFINITY
      let hi = Number.NEGATIVE_INFINITY
      for (const map of maps) {
        for (const v of map) {
          if (v < lo) lo = v
          if (v > hi) hi = v
        }
      }
      return (lo <= hi ? [lo, hi] : [0, 1]) as [number, number]
    })
    const pending = auto
    autoRanges.set(variable.name, pending)
    pending.catch(() => autoRanges.get(variable.name) === pending && autoRanges.delete(variable.name))
  }
  return { range: await abortable(auto, signal), from }
}

/**
 * Marks the map on screen as not the one asked for: dimmed while loading, flagged on failure. The
 * note says what is shown instead, in a line of its own, then the reason in smaller print.
 */
function markStale(state: 'loading' | 'failed', message: string, detail = ''): void {
  ui.figure.dataset.stale = state
  const headline = document.createElement('strong')
  headline.textContent = message
  const reason = document.createElement('small')
  reason.textContent = detail === '' ? '' : ` ${detail}`
  ui.staleNote.replaceChildren(headline, reason)
  ui.staleNote.hidden = false
}

function shownDate(): string {
  return shown === undefined ? '' : (dataset?.grid(shown.variable.name).times[shown.t] ?? '')
}

/**
 * Draws the selected variable on the slider's date. A newer call supersedes this one at once
 * (its requests are aborted), so dragging the slider never queues maps.
 */
function render(now = false): Promise<void> {
  clearTimeout(renderTimer)
  renderWatch?.supersede()
  showTimeLabel()
  const variable = selectedVariable()
  const t = Number(ui.time.value)
  const label = currentLabel()
  if (shown !== undefined) {
    markStale('loading', `Loading ${label}… The map shown is ${shown.variable.name} on ${shownDate()}.`)
  } else {
    markStale('loading', `Loading ${label}…`)
  }
  // A single step draws at once; steps in quick succession (a drag, a held arrow key) wait for the
  // slider to rest for SLIDE_REST_MS before asking for anything.
  const at = performance.now()
  const sliding = !now && at - lastSlideAt < SLIDE_GAP_MS
  if (!now) lastSlideAt = at
  if (sliding) {
    return new Promise((resolve) => {
      renderTimer = setTimeout(() => void draw(variable, t, label).then(resolve), SLIDE_REST_MS)
    })
  }
  return draw(variable, t, label)
}

async function draw(variable: MapVariable, t: number, label: string): Promise<void> {
  const opened = dataset
  if (opened === undefined) return
  const w = watch()
  renderWatch = w
  ui.error.hidden = true
  ui.progress.max = variable.chunksPerMap
  ui.progress.value = 0
  delete ui.progress.dataset.idle
  setStatus('loading', `Loading ${variable.name} on ${label}… 0 of ${variable.chunksPerMap} chunks`)
  let chunks = 0
  let cached = 0
  try {
    const [values, { range, from }] = await abortable(
      Promise.all([
        opened.readMap(variable.name, t, {
          signal: w.signal,
          onChunk: (fromCache) => {
            if (renderWatch !== w) return
            chunks++
            if (fromCache) cached++
            ui.progress.value = chunks
            setStatus('loading', `Loading ${variable.name} on ${label}… ${chunks} of ${variable.chunksPerMap} chunks`)
          },
        }),
        rangeFor(variable, w.signal),
      ]),
      w.signal,
    )
    w.stop()
    if (renderWatch !== w) return
    const scale = makeScale(variable, range)
    const grid = opened.grid(variable.name)
    const [, nLat, nLon] = variable.shape
    ui.map.width = nLon
    ui.map.height = nLat
    ui.map
      .getContext('2d')
      ?.putImageData(new ImageData(renderPixels(values, nLat, nLon, grid.northFirst, scale), nLon, nLat), 0, 0)
    shown = { variable, t, values, scale }
    ui.figure.dataset.stale = 'none'
    ui.staleNote.hidden = true
    ui.map.dataset.variable = variable.name
    ui.map.dataset.time = String(t)
    const title = scaleTitle(variable)
    const units = readableUnits(variable.attributes.units)
    const [lo, hi] = extremes(values)
    ui.caption.textContent = `${title} on ${label}`
    ui.map.setAttribute(
      'aria-label',
      `Map of ${title} on ${label}, north up: values from ${formatValue(lo)} to ${formatValue(hi)}${units ? ` ${units}` : ''}.`,
    )
    drawLegend(scale, variable, from)
    writeAddress({ cid: opened.root.toString(), variable: variable.name, t: String(t) })
    ui.progress.dataset.idle = ''
    const requests = chunks - cached
    setStatus(
      'ready',
      `${variable.name} on ${label}: ${chunks} ${chunks === 1 ? 'chunk' : 'chunks'} (${requests === 0 ? 'all from this page’s cache' : `${cached} from cache`}).`,
    )
    if (playing) schedulePlay()
  } catch (raw) {
    w.stop()
    if (renderWatch !== w) return
    const message = describeError(w.reason(raw), gateways, opened.root.toString())
    setPlaying(false)
    ui.progress.dataset.idle = ''
    // The reason goes on the map itself: an error box above it would push the page down.
    if (shown !== undefined) {
      markStale(
        'failed',
        `Could not load ${variable.name} on ${label}. The map shown is ${shown.variable.name} on ${shownDate()}, not ${label}.`,
        message,
      )
      ui.caption.textContent = `${scaleTitle(shown.variable)} on ${shownDate()} (not ${label}: loading failed)`
    } else {
      markStale('failed', `Could not load ${variable.name} on ${label}.`, message)
    }
    setStatus('error', `Could not load the map of ${label}.`)
    // Chunks that do not decrypt: the codec's key was wrong; ask again.
    if (opened.encryption === 'codec' && hasCode(raw, 'ERR_DECRYPTION')) {
      askForKey(new KeyNeededError('codec'), opened.root.toString(), { variable: variable.name, t })
      showError(message)
    }
  }
}

/** Whether `error` or one of its causes has this `code`. */
function hasCode(error: unknown, code: string): boolean {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 10; e = e.cause, i++) {
    if ((e as { code?: unknown }).code === code) return true
  }
  return false
}

function extremes(values: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  return [lo, hi]
}

function drawLegend(scale: ColourScale, variable: MapVariable, from: string): void {
  drawColourBar(ui.legendBar, ui.legendTicks, scale)
  ui.legendTitle.textContent = scaleTitle(variable)
  ui.legend.dataset.kind = scale.kind
  ui.legend.dataset.min = String(scale.min)
  ui.legend.dataset.max = String(scale.max)
  if (scale.centre !== undefined) ui.legend.dataset.centre = String(scale.centre)
  else delete ui.legend.dataset.centre
  const what =
    scale.kind === 'stepped'
      ? `Stepped colours; white: dry (below ${scale.dryBelow} ${readableUnits(variable.attributes.units)})`
      : scale.kind === 'diverging'
        ? `Blue below ${scale.centre === 0 ? '0' : scale.centre}, red above`
        : 'viridis'
  ui.legendNote.textContent = `${what}. Fixed scale from ${from}; values beyond it take the end colours.`
}

/** The cell under a pointer event, and its coordinates. */
function cellAt(event: MouseEvent): { row: number; col: number; lat: number; lon: number } | undefined {
  if (shown === undefined || dataset === undefined) return undefined
  const box = ui.map.getBoundingClientRect()
  const fx = (event.clientX - box.left) / box.width
  const fy = (event.clientY - box.top) / box.height
  if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) return undefined
  const [, nLat, nLon] = shown.variable.shape
  const grid = dataset.grid(shown.variable.name)
  const displayRow = Math.floor(fy * nLat)
  const row = grid.northFirst ? displayRow : nLat - 1 - displayRow
  const col = Math.floor(fx * nLon)
  return { row, col, lat: grid.latitude[row] as number, lon: grid.longitude[col] as number }
}

function showReadout(event: MouseEvent): void {
  const cell = cellAt(event)
  if (cell === undefined || shown === undefined) {
    ui.readout.textContent = READOUT_HINT
    return
  }
  const value = shown.values[cell.row * shown.variable.shape[2] + cell.col] as number
  const units = readableUnits(shown.variable.attributes.units)
  ui.readout.textContent = `${formatLatitude(cell.lat)}, ${formatLongitude(cell.lon)}: ${formatValue(value)}${
    Number.isFinite(value) && units ? ` ${units}` : ''
  } on ${shownDate()}`
  ui.readout.dataset.value = String(value)
}

async function plotSeries(row: number, col: number): Promise<void> {
  const opened = dataset
  if (opened === undefined) return
  seriesWatch?.supersede()
  point = { row, col }
  drawAxes()
  const variable = selectedVariable()
  const grid = opened.grid(variable.name)
  const units = readableUnits(variable.attributes.units)
  const where = `${formatLatitude(grid.latitude[row] as number)}, ${formatLongitude(grid.longitude[col] as number)}`
  ui.series.hidden = false
  ui.series.dataset.state = 'loading'
  ui.seriesTitle.textContent = `${scaleTitle(variable)} at ${where}`
  const total = variable.chunksPerSeries
  let chunks = 0
  const w = new Watchdog(giveUpMs(), (ms) => {
    ui.seriesStatus.textContent = `Reading ${total} chunks… ${chunks} done, ${(ms / 1000).toFixed(1)} s`
  })
  seriesWatch = w
  ui.seriesStatus.textContent = `Reading ${total} chunks…`
  try {
    const values = await abortable(
      opened.readSeries(variable.name, row, col, { signal: w.signal, onChunk: () => chunks++ }),
      w.signal,
    )
    w.stop()
    if (seriesWatch !== w) return
    drawSeries(ui.seriesChart, values, grid.times)
    ui.seriesChart.setAttribute(
      'aria-label',
      `Time series of ${scaleTitle(variable)} at ${where} from ${grid.times[0]} to ${grid.times[grid.times.length - 1]}; the values are in the table below.`,
    )
    ui.seriesUnit.textContent = units === '' ? 'Value' : `Value (${units})`
    ui.seriesBody.replaceChildren(
      ...Array.from(values, (v, t) => {
        const tr = document.createElement('tr')
        const date = document.createElement('td')
        date.textContent = grid.times[t] ?? ''
        const value = document.createElement('td')
        value.textContent = formatValue(v)
        value.dataset.value = String(v)
        tr.append(date, value)
        return tr
      }),
    )
    ui.series.dataset.state = 'ready'
    ui.series.dataset.variable = variable.name
    ui.series.dataset.row = String(row)
    ui.series.dataset.col = String(col)
    ui.seriesStatus.textContent = `${values.length} days from ${total} chunks in ${(w.elapsedMs / 1000).toFixed(1)} s.`
  } catch (raw) {
    w.stop()
    if (seriesWatch !== w) return
    ui.series.dataset.state = 'error'
    ui.seriesStatus.textContent = describeError(w.reason(raw), gateways, opened.root.toString())
  }
}

function setPlaying(on: boolean): void {
  playing = on
  ui.play.textContent = on ? '❚❚ Pause' : '▶ Play'
  ui.play.setAttribute('aria-pressed', String(on))
  if (!on) clearTimeout(playTimer)
}

let playTimer: ReturnType<typeof setTimeout> | undefined
/** The next day, shortly after a map is drawn: playing never outruns the gateway. */
function schedulePlay(): void {
  clearTimeout(playTimer)
  playTimer = setTimeout(() => {
    if (!playing) return
    if (Number(ui.time.value) >= Number(ui.time.max)) return setPlaying(false)
    step(1)
  }, 400)
}

function step(delta: number): void {
  const t = Math.min(Number(ui.time.max), Math.max(0, Number(ui.time.value) + delta))
  if (t === Number(ui.time.value)) return
  ui.time.value = String(t)
  void render(true)
}

function writeAddress(view: { cid: string; variable?: string; t?: string }): void {
  const query = new URLSearchParams()
  for (const g of gateways) query.append('gateway', g)
  query.set('cid', view.cid)
  if (view.variable !== undefined) query.set('variable', view.variable)
  if (view.t !== undefined) query.set('t', view.t)
  if (ui.giveUp.value !== ui.giveUp.defaultValue) query.set('timeout', ui.giveUp.value)
  if (ui.vmin.value.trim() !== '' && ui.vmax.value.trim() !== '') {
    query.set('vmin', ui.vmin.value.trim())
    query.set('vmax', ui.vmax.value.trim())
  }
  history.replaceState(null, '', `?${query}`)
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault()
  void open(ui.cid.value.trim())
})
ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  if (pendingOpen === undefined) return
  let encryptionKey: Uint8Array
  try {
    encryptionKey = parseKey(ui.key.value)
  } catch (error) {
    return showError(error instanceof Error ? `${error.message}.` : String(error))
  }
  // A key for the chunks' codec needs no header (the codec's metadata holds it); the whole-store kind does.
  const { cid, initial, kind } = pendingOpen
  void open(cid, initial, { kind, encryptionKey, header: kind === 'store' ? ui.keyHeader.value : '' })
})
ui.cancel.addEventListener('click', () => {
  for (const w of [openWatch, renderWatch, seriesWatch]) w?.cancel()
  datasetReads.abort(new CancelledError())
  datasetReads = new AbortController()
})
ui.variable.addEventListener('change', () => {
  setTimeAxis(Number(ui.time.value))
  setGrid()
  ui.vmin.value = ''
  ui.vmax.value = ''
  void render(true).then(() => point && plotSeries(point.row, point.col))
})
ui.time.addEventListener('input', () => {
  setPlaying(false)
  void render()
})
ui.prev.addEventListener('click', () => {
  setPlaying(false)
  step(-1)
})
ui.next.addEventListener('click', () => {
  setPlaying(false)
  step(1)
})
ui.play.addEventListener('click', () => {
  if (playing) return setPlaying(false)
  setPlaying(true)
  if (Number(ui.time.value) >= Number(ui.time.max)) ui.time.value = '0'
  if (ui.figure.dataset.stale === 'none' && Number(ui.map.dataset.time) === Number(ui.time.value)) schedulePlay()
  else void render(true)
})
for (const input of [ui.vmin, ui.vmax]) {
  input.addEventListener('change', () => {
    if (dataset !== undefined) void render(true)
  })
}
ui.autoLimits.addEventListener('click', () => {
  ui.vmin.value = ''
  ui.vmax.value = ''
  if (dataset !== undefined) void render(true)
})
ui.frame.addEventListener('pointermove', showReadout)
ui.frame.addEventListener('pointerleave', () => {
  ui.readout.textContent = READOUT_HINT
})
ui.frame.addEventListener('click', (event) => {
  const cell = cellAt(event)
  if (cell !== undefined) void plotSeries(cell.row, cell.col)
})
new ResizeObserver(() => drawAxes()).observe(ui.frame)

// A link can say what to open: ?gateway=…[&gateway=…]&cid=…[&variable=…&t=…&timeout=…&vmin=…&vmax=…]
const params = new URLSearchParams(location.search)
const linkedGateways = params.getAll('gateway')
if (linkedGateways.length > 0) ui.gateway.value = linkedGateways.join(' ')
const timeout = params.get('timeout')
if (timeout !== null) ui.giveUp.value = timeout
ui.vmin.value = params.get('vmin') ?? ''
ui.vmax.value = params.get('vmax') ?? ''
const linkedCid = params.get('cid')
if (linkedCid !== null && linkedCid.trim() !== '') {
  ui.cid.value = linkedCid
  const t = params.get('t')
  void open(linkedCid.trim(), { variable: params.get('variable') ?? undefined, t: t === null ? undefined : Number(t) })
}
