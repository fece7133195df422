import { colormapFor, colourTable, renderPixels, valueRange } from './colormap.js'
import { describeError } from './describe-error.js'
import { type MapVariable, type OpenStep, openDataset, type ViewerDataset } from './open-dataset.js'

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`the page has no #${id}`)
  return found as T
}

const ui = {
  form: element<HTMLFormElement>('open-form'),
  gateway: element<HTMLInputElement>('gateway'),
  cid: element<HTMLInputElement>('cid'),
  statusText: element<HTMLSpanElement>('status-text'),
  progress: element<HTMLProgressElement>('progress'),
  error: element<HTMLDivElement>('error'),
  viewer: element<HTMLElement>('viewer'),
  title: element<HTMLHeadingElement>('title'),
  variable: element<HTMLSelectElement>('variable'),
  time: element<HTMLInputElement>('time'),
  timeLabel: element<HTMLOutputElement>('time-label'),
  map: element<HTMLCanvasElement>('map'),
  legendBar: element<HTMLCanvasElement>('legend-bar'),
  legendMin: element<HTMLSpanElement>('legend-min'),
  legendMax: element<HTMLSpanElement>('legend-max'),
  legendUnits: element<HTMLSpanElement>('legend-units'),
}

const STEP_TEXT: Record<OpenStep, string> = {
  root: 'Reading the HAMT root through the gateway…',
  metadata: 'Reading the Zarr metadata…',
  coordinates: 'Reading the coordinates…',
}

let dataset: ViewerDataset | undefined
/** Bumped by every open and every render: a result that is no longer the latest is dropped. */
let openCount = 0
let renderCount = 0

/** `data-state` on <body> says what the page is doing: idle, loading, ready or error. */
function setStatus(state: 'loading' | 'ready' | 'error', text: string): void {
  document.body.dataset.state = state
  ui.statusText.textContent = text
}

function showError(message: string): void {
  ui.error.textContent = message
  ui.error.hidden = false
  ui.progress.hidden = true
  setStatus('error', 'Something went wrong.')
}

function selectedVariable(): MapVariable {
  const found = dataset?.variables.find((v) => v.name === ui.variable.value)
  if (found === undefined) throw new Error('no variable selected')
  return found
}

async function open(gatewayUrl: string, cid: string, initial: { variable?: string; t?: number } = {}): Promise<void> {
  const count = ++openCount
  renderCount++
  dataset = undefined
  ui.error.hidden = true
  ui.viewer.hidden = true
  ui.progress.hidden = true
  setStatus('loading', 'Connecting…')
  const query = new URLSearchParams({ gateway: gatewayUrl, cid })
  history.replaceState(null, '', `?${query}`)
  try {
    const opened = await openDataset(gatewayUrl, cid, (step) => {
      if (count === openCount) setStatus('loading', STEP_TEXT[step])
    })
    if (count !== openCount) return
    dataset = opened
    ui.title.textContent = opened.title
    ui.variable.replaceChildren(
      ...opened.variables.map((v) => {
        const option = document.createElement('option')
        option.value = v.name
        option.textContent = `${v.name}${v.attributes.units ? ` (${String(v.attributes.units)})` : ''}`
        return option
      }),
    )
    if (initial.variable !== undefined && opened.variables.some((v) => v.name === initial.variable)) {
      ui.variable.value = initial.variable
    }
    setTimeAxis(initial.t ?? 0)
    ui.viewer.hidden = false
    await render()
  } catch (error) {
    if (count === openCount) showError(describeError(error, gatewayUrl, cid.trim()))
  }
}

function setTimeAxis(t: number): void {
  const steps = selectedVariable().shape[0]
  ui.time.max = String(steps - 1)
  ui.time.value = String(Math.min(Math.max(0, Math.trunc(t)), steps - 1))
}

async function render(): Promise<void> {
  const opened = dataset
  if (opened === undefined) return
  const count = ++renderCount
  const variable = selectedVariable()
  const t = Number(ui.time.value)
  const [, nLat, nLon] = variable.shape
  ui.error.hidden = true
  ui.progress.max = variable.chunksPerMap
  ui.progress.value = 0
  ui.progress.hidden = false
  let chunks = 0
  try {
    const label = await opened.timeLabel(variable.name, t)
    if (count !== renderCount) return
    ui.timeLabel.textContent = label
    setStatus('loading', `Loading ${variable.name} on ${label}…`)
    const [values, northFirst] = await Promise.all([
      opened.readMap(variable.name, t, () => {
        if (count === renderCount) ui.progress.value = ++chunks
      }),
      opened.northFirst(variable.name),
    ])
    if (count !== renderCount) return
    const range = valueRange(values)
    const colormap = colormapFor(variable.name, variable.attributes)
    const table = colourTable(colormap.map)
    ui.map.width = nLon
    ui.map.height = nLat
    ui.map
      .getContext('2d')
      ?.putImageData(new ImageData(renderPixels(values, nLat, nLon, northFirst, range, table), nLon, nLat), 0, 0)
    drawLegend(table, range, variable)
    ui.map.dataset.variable = variable.name
    ui.map.dataset.time = String(t)
    const query = new URLSearchParams({
      gateway: ui.gateway.value.trim(),
      cid: ui.cid.value.trim(),
      variable: variable.name,
      t: String(t),
    })
    history.replaceState(null, '', `?${query}`)
    ui.progress.hidden = true
    const units = variable.attributes.units ? ` ${String(variable.attributes.units)}` : ''
    setStatus(
      'ready',
      `${variable.name} on ${label}: ${format(range[0])} to ${format(range[1])}${units} (${colormap.name})`,
    )
  } catch (error) {
    if (count === renderCount) showError(describeError(error, ui.gateway.value, ui.cid.value.trim()))
  }
}

function drawLegend(table: Uint8Array, range: [number, number], variable: MapVariable): void {
  const pixels = new Uint8ClampedArray(256 * 4)
  for (let i = 0; i < 256; i++) {
    pixels.set([table[i * 3] as number, table[i * 3 + 1] as number, table[i * 3 + 2] as number, 255], i * 4)
  }
  ui.legendBar.width = 256
  ui.legendBar.height = 1
  ui.legendBar.getContext('2d')?.putImageData(new ImageData(pixels, 256, 1), 0, 0)
  ui.legendMin.textContent = format(range[0])
  ui.legendMax.textContent = format(range[1])
  ui.legendUnits.textContent = String(variable.attributes.units ?? '')
}

function format(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 1 })
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault()
  void open(ui.gateway.value.trim(), ui.cid.value.trim())
})
ui.variable.addEventListener('change', () => {
  setTimeAxis(Number(ui.time.value))
  void render()
})
ui.time.addEventListener('input', () => void render())

// A link can say what to open: ?gateway=…&cid=…[&variable=…&t=…]
const params = new URLSearchParams(location.search)
const gateway = params.get('gateway')
if (gateway !== null) ui.gateway.value = gateway
const cid = params.get('cid')
if (cid !== null && cid.trim() !== '') {
  ui.cid.value = cid
  const t = params.get('t')
  void open(ui.gateway.value.trim(), cid.trim(), {
    variable: params.get('variable') ?? undefined,
    t: t === null ? undefined : Number(t),
  })
}
