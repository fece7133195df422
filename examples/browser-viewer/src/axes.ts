import { formatLatitude, formatLongitude } from './units.js'

const SVG = 'http://www.w3.org/2000/svg'

/** The map's extent in degrees, from the cell centres (each cell reaches half a step either side). */
export interface Extent {
  north: number
  south: number
  west: number
  east: number
}

/** The extent of a grid whose cell centres are `latitude` and `longitude` (either order). */
export function gridExtent(latitude: number[], longitude: number[]): Extent {
  const half = (values: number[]) =>
    values.length > 1
      ? Math.abs((values[values.length - 1] as number) - (values[0] as number)) / (values.length - 1) / 2
      : 0.5
  const dLat = half(latitude)
  const dLon = half(longitude)
  return {
    north: Math.max(...latitude) + dLat,
    south: Math.min(...latitude) - dLat,
    west: Math.min(...longitude) - dLon,
    east: Math.max(...longitude) + dLon,
  }
}

/** Where a latitude and a longitude sit on the map, as fractions of its height and width. */
export function mapFraction(extent: Extent, lat: number, lon: number): { x: number; y: number } {
  return {
    x: (lon - extent.west) / (extent.east - extent.west),
    y: (extent.north - lat) / (extent.north - extent.south),
  }
}

function el(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

function multiples(from: number, to: number, step: number): number[] {
  const out: number[] = []
  for (let v = Math.ceil(from / step) * step; v <= to + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6)
  return out
}

/**
 * Draws the graticule (every 30° of latitude, every 30° or 60° of longitude, the equator and the
 * 0° meridian dashed and darker), ticks and labels outside the map, and the chosen point, into
 * `svg` laid over the map. `narrow` labels every 60° of longitude, for a phone.
 */
export function drawGraticule(
  svg: SVGSVGElement,
  extent: Extent,
  narrow: boolean,
  point?: { lat: number; lon: number },
): void {
  const nodes: SVGElement[] = []
  const pct = (f: number) => `${(f * 100).toFixed(3)}%`
  for (const lat of multiples(extent.south, extent.north, 30).reverse()) {
    const { y } = mapFraction(extent, lat, extent.west)
    if (y < 0 || y > 1) continue
    nodes.push(el('line', { x1: '0%', x2: '100%', y1: pct(y), y2: pct(y), class: lat === 0 ? 'main' : '' }))
    nodes.push(el('line', { x1: -4, x2: 0, y1: pct(y), y2: pct(y), class: 'tick' }))
    nodes.push(
      el(
        'text',
        { x: -6, y: pct(y), 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'lat-label' },
        formatLatitude(lat),
      ),
    )
  }
  const lonStep = narrow ? 90 : 60
  for (const lon of multiples(extent.west, extent.east, 30)) {
    const { x } = mapFraction(extent, extent.south, lon)
    if (x < 0 || x > 1) continue
    nodes.push(el('line', { x1: pct(x), x2: pct(x), y1: '0%', y2: '100%', class: lon === 0 ? 'main' : '' }))
    if (lon % lonStep !== 0) continue
    nodes.push(
      el('line', { x1: pct(x), x2: pct(x), y1: '100%', y2: '100%', class: 'tick', transform: 'translate(0 0)' }),
    )
    nodes.push(
      el('text', { x: pct(x), y: '100%', dy: 15, 'text-anchor': 'middle', class: 'lon-label' }, formatLongitude(lon)),
    )
  }
  if (point !== undefined) {
    const { x, y } = mapFraction(extent, point.lat, point.lon)
    nodes.push(el('circle', { cx: pct(x), cy: pct(y), r: 5, class: 'point' }))
  }
  svg.replaceChildren(...nodes)
}
