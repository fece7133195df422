/**
 * What the page should show, worked out here without the page's colour code: the values come from
 * the data generator (zarr-climate), the colours from d3's RdBu palette directly, placed by the
 * limits the page prints on its legend.
 */
import { interpolateRdBu } from 'd3-scale-chromatic'
import { climateGrid, precipitationAt, temperatureAt } from 'zarr-climate/dataset'

export type Cell = { i: number; j: number }

/** A generated dataset's grid and its values, north first (as the generator writes them). */
export function generated(options: Parameters<typeof climateGrid>[0]) {
  const grid = climateGrid(options)
  const nLat = grid.latitude.length
  const nLon = grid.longitude.length
  const value = (name: 'temperature' | 'precipitation', t: number, { i, j }: Cell): number => {
    const at = name === 'temperature' ? temperatureAt : precipitationAt
    // The dataset stores float32.
    return Math.fround(at(t, grid.latitude[i] as number, grid.longitude[j] as number))
  }
  return { grid, nLat, nLon, value }
}

/** `rgb(r, g, b)` → [r, g, b]. */
function rgb(css: string): [number, number, number] {
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(css)
  if (m === null) throw new Error(`not rgb(): ${css}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/**
 * The colour of a temperature on a diverging scale with limits `min`, `max` and white at `centre`:
 * RdBu reversed (blue cold, red warm), each side linear.
 */
export function divergingColour(value: number, min: number, centre: number, max: number): [number, number, number] {
  const v = Math.min(max, Math.max(min, value))
  const t = v < centre ? ((v - min) / (centre - min)) * 0.5 : 0.5 + ((v - centre) / (max - centre)) * 0.5
  return rgb(interpolateRdBu(1 - t))
}

/** Largest per-channel difference between two colours. */
export function colourDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.max(
    Math.abs((a[0] as number) - (b[0] as number)),
    Math.abs((a[1] as number) - (b[1] as number)),
    Math.abs((a[2] as number) - (b[2] as number)),
  )
}

/** Relative luminance, 0 (black) to 1 (white). */
export function luminance(c: ArrayLike<number>): number {
  return (0.2126 * (c[0] as number) + 0.7152 * (c[1] as number) + 0.0722 * (c[2] as number)) / 255
}
