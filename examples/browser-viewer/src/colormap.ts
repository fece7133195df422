import { interpolateRdYlBu, interpolateViridis, interpolateYlGnBu } from 'd3-scale-chromatic'

/** Maps a value scaled to [0, 1] to a CSS colour string. */
export type Colormap = (t: number) => string

/** A colour scale for a variable: warm-to-cold for temperature, white-to-blue for rain, viridis otherwise. */
export function colormapFor(name: string, attributes: Record<string, unknown>): { name: string; map: Colormap } {
  const label = `${name} ${String(attributes.standard_name ?? '')}`.toLowerCase()
  if (label.includes('temperature')) return { name: 'reversed RdYlBu', map: (t) => interpolateRdYlBu(1 - t) }
  if (label.includes('precipitation')) return { name: 'YlGnBu', map: interpolateYlGnBu }
  return { name: 'viridis', map: interpolateViridis }
}

/** The smallest and largest finite values of `values`; `[0, 0]` when there are none. */
export function valueRange(values: ArrayLike<number>): [number, number] {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (v < min) min = v
    if (v > max) max = v
  }
  return min <= max ? [min, max] : [0, 0]
}

/** 256 RGB colours of a colour map, so drawing a map costs one lookup per cell. */
export function colourTable(map: Colormap): Uint8Array {
  const table = new Uint8Array(256 * 3)
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = parseColour(map(i / 255))
    table.set([r, g, b], i * 3)
  }
  return table
}

/**
 * The RGBA pixels of a latitude × longitude map (`nLat` rows of `nLon`), one pixel per cell, values
 * spread over the colour table between `range[0]` and `range[1]`. Rows are drawn north at the top:
 * `northFirst` says whether row 0 of the data is the northernmost. Missing values are transparent.
 */
export function renderPixels(
  values: ArrayLike<number>,
  nLat: number,
  nLon: number,
  northFirst: boolean,
  range: [number, number],
  table: Uint8Array,
): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(nLat * nLon * 4)
  const [min, max] = range
  const scale = max > min ? 255 / (max - min) : 0
  for (let row = 0; row < nLat; row++) {
    const source = northFirst ? row : nLat - 1 - row
    for (let col = 0; col < nLon; col++) {
      const v = values[source * nLon + col] as number
      const p = (row * nLon + col) * 4
      if (!Number.isFinite(v)) continue
      const index = Math.min(255, Math.max(0, Math.round((v - min) * scale))) * 3
      pixels[p] = table[index] as number
      pixels[p + 1] = table[index + 1] as number
      pixels[p + 2] = table[index + 2] as number
      pixels[p + 3] = 255
    }
  }
  return pixels
}

/** `rgb(r, g, b)` or `#rrggbb`, as d3's interpolators return them. */
function parseColour(css: string): [number, number, number] {
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(css)
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])]
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css)
  if (hex)
    return [
      Number.parseInt(hex[1] as string, 16),
      Number.parseInt(hex[2] as string, 16),
      Number.parseInt(hex[3] as string, 16),
    ]
  throw new Error(`unexpected colour ${css}`)
}
