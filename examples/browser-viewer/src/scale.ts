import { ticks } from 'd3-array'
import { interpolateRdBu, interpolateViridis, interpolateYlGnBu } from 'd3-scale-chromatic'
import { readableUnits, temperatureUnits } from './units.js'

/** An RGB colour, 0–255 per channel. */
export type Rgb = [number, number, number]

/** One labelled mark on a colour bar: `position` runs from 0 (left end) to 1 (right end). */
export interface Tick {
  value: number
  position: number
  label: string
}

/**
 * A fixed colour scale for one variable: the same value gets the same colour on every date.
 * - `diverging`: blue below `centre`, red above, white at it (temperature around 0 °C, anomalies).
 * - `stepped`: a few colours between `bounds` (precipitation), white at or below `dryBelow`.
 * - `sequential`: viridis from `min` to `max`.
 */
export interface ColourScale {
  kind: 'diverging' | 'stepped' | 'sequential'
  /** The palette's name, for people. */
  palette: string
  min: number
  max: number
  centre?: number
  /** Stepped scales: the bin edges, increasing, `bounds[0]` = the dry threshold. */
  bounds?: number[]
  /** Stepped scales: values below this are dry (white). */
  dryBelow?: number
  /** The colour of a value; `undefined` for a missing value (NaN). */
  colour(value: number): Rgb | undefined
  /** Where a value sits on the colour bar, 0 to 1 (clamped). */
  position(value: number): number
  ticks(): Tick[]
}

/** What a variable's scale is chosen from: its name and attributes. */
export interface VariableInfo {
  name: string
  attributes: Record<string, unknown>
}

/** How a variable is coloured, from its name, `standard_name`, `long_name` and units. */
export function scaleKind(variable: VariableInfo): ColourScale['kind'] {
  const a = variable.attributes
  const label = `${variable.name} ${String(a.standard_name ?? '')} ${String(a.long_name ?? '')}`.toLowerCase()
  if (/precip|rain|snowfall/.test(label)) return 'stepped'
  if (/anomal/.test(label) || temperatureUnits(a.units) !== undefined || label.includes('temperature')) {
    return 'diverging'
  }
  return 'sequential'
}

/** The value where a diverging scale turns from blue to red: 0 °C (273.15 K, 32 °F), or 0. */
export function divergingCentre(variable: VariableInfo): number {
  const units = temperatureUnits(variable.attributes.units)
  if (units === 'K') return 273.15
  if (units === 'F') return 32
  return 0
}

/** A range from attributes a publisher may set (`actual_range`, `valid_range`, `valid_min`/`valid_max`). */
export function rangeFromAttributes(attributes: Record<string, unknown>): [number, number] | undefined {
  for (const name of ['actual_range', 'valid_range']) {
    const value = attributes[name]
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
      return [value[0] as number, value[1] as number]
    }
  }
  const { valid_min: min, valid_max: max } = attributes
  return typeof min === 'number' && typeof max === 'number' ? [min, max] : undefined
}

/** Precipitation bin edges (mm/day), as weather services step them. */
const RAIN_BOUNDS = [0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]

/**
 * The scale of a variable over `range` (its values over time, or the user's limits). Continuous
 * scales are widened to round numbers, so the bar's ends are ticks.
 */
export function makeScale(variable: VariableInfo, range: [number, number]): ColourScale {
  const kind = scaleKind(variable)
  let [lo, hi] = range
  if (!(hi > lo)) {
    lo -= 1
    hi += 1
  }
  if (kind === 'stepped') return steppedScale(Math.max(hi, RAIN_BOUNDS[1] as number))
  const step = niceStep(lo, hi)
  lo = Math.floor(lo / step) * step
  hi = Math.ceil(hi / step) * step
  if (kind === 'diverging') {
    const centre = divergingCentre(variable)
    // The centre must lie inside the scale for blue and red to mean below and above it.
    lo = Math.min(lo, centre - step)
    hi = Math.max(hi, centre + step)
    return continuousScale('diverging', 'RdBu (blue below 0, red above)', lo, hi, centre, (t) => interpolateRdBu(1 - t))
  }
  return continuousScale('sequential', 'viridis', lo, hi, undefined, interpolateViridis)
}

function niceStep(lo: number, hi: number): number {
  const all = ticks(lo, hi, 6)
  return all.length > 1 ? (all[1] as number) - (all[0] as number) : 1
}

/** 256 colours, so drawing costs one lookup per cell. */
function continuousScale(
  kind: 'diverging' | 'sequential',
  palette: string,
  min: number,
  max: number,
  centre: number | undefined,
  interpolate: (t: number) => string,
): ColourScale {
  const table: Rgb[] = Array.from({ length: 256 }, (_, i) => parseColour(interpolate(i / 255)))
  // A diverging scale is two linear halves meeting at the centre (matplotlib's TwoSlopeNorm).
  const position = (value: number): number => {
    const v = Math.min(max, Math.max(min, value))
    if (centre === undefined) return (v - min) / (max - min)
    return v < centre ? (0.5 * (v - min)) / (centre - min) : 0.5 + (0.5 * (v - centre)) / (max - centre)
  }
  return {
    kind,
    palette,
    min,
    max,
    ...(centre === undefined ? {} : { centre }),
    colour: (value) => (Number.isNaN(value) ? undefined : table[Math.round(position(value) * 255)]),
    position,
    ticks() {
      const values =
        centre === undefined ? ticks(min, max, 6) : [...ticks(min, centre, 3), ...ticks(centre, max, 3).slice(1)]
      return values.map((value) => ({ value, position: position(value), label: tickLabel(value) }))
    },
  }
}

function steppedScale(max: number): ColourScale {
  const last = RAIN_BOUNDS.findIndex((b) => b >= max)
  const bounds = RAIN_BOUNDS.slice(0, last === -1 ? RAIN_BOUNDS.length : last + 1)
  const bins = bounds.length - 1
  // Bin k spans [bounds[k], bounds[k+1]); the lightest bin is still clearly not white.
  const colours: Rgb[] = Array.from({ length: bins }, (_, k) =>
    parseColour(interpolateYlGnBu(0.12 + (0.88 * k) / Math.max(1, bins - 1))),
  )
  const dryBelow = bounds[0] as number
  const top = bounds[bins] as number
  // The bar: a white "dry" box, then one equal box per bin.
  const position = (value: number): number => {
    if (!(value >= dryBelow)) return 0
    if (value >= top) return 1
    const k = bounds.findIndex((b, i) => i < bins && value >= b && value < (bounds[i + 1] as number))
    const lo = bounds[k] as number
    const hi = bounds[k + 1] as number
    return (1 + k + (value - lo) / (hi - lo)) / (bins + 1)
  }
  return {
    kind: 'stepped',
    palette: 'YlGnBu, stepped; white: dry',
    min: 0,
    max: top,
    bounds,
    dryBelow,
    colour(value) {
      if (Number.isNaN(value)) return undefined
      if (value < dryBelow) return [255, 255, 255]
      for (let k = bins - 1; k >= 0; k--) if (value >= (bounds[k] as number)) return colours[k]
      return colours[0]
    },
    position,
    ticks: () => bounds.map((value, i) => ({ value, position: (1 + i) / (bins + 1), label: tickLabel(value) })),
  }
}

function tickLabel(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 }).replace('-', '−')
}

/** `rgb(r, g, b)` or `#rrggbb`, as d3's interpolators return them. */
export function parseColour(css: string): Rgb {
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(css)
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])]
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css)
  if (hex) return [1, 2, 3].map((i) => Number.parseInt(hex[i] as string, 16)) as Rgb
  throw new Error(`unexpected colour ${css}`)
}

/** The scale's units and name for the colour bar's title: `Daily mean air temperature (°C)`. */
export function scaleTitle(variable: VariableInfo): string {
  const name = String(variable.attributes.long_name ?? variable.name)
  const units = readableUnits(variable.attributes.units)
  return units === '' ? name : `${name} (${units})`
}

/**
 * The RGBA pixels of a latitude × longitude map (`nLat` rows of `nLon`), one pixel per cell, north at
 * the top: `northFirst` says whether row 0 of the data is the northernmost. Missing values are transparent.
 */
export function renderPixels(
  values: ArrayLike<number>,
  nLat: number,
  nLon: number,
  northFirst: boolean,
  scale: ColourScale,
): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(nLat * nLon * 4)
  for (let row = 0; row < nLat; row++) {
    const source = northFirst ? row : nLat - 1 - row
    for (let col = 0; col < nLon; col++) {
      const colour = scale.colour(values[source * nLon + col] as number)
      if (colour === undefined) continue
      pixels.set(colour, (row * nLon + col) * 4)
      pixels[(row * nLon + col) * 4 + 3] = 255
    }
  }
  return pixels
}
