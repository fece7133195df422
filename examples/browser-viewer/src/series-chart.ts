import { ticks } from 'd3-array'

const SVG = 'http://www.w3.org/2000/svg'

function el(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

/**
 * A line chart of one cell's values over time in `svg` (drawn at its current size, so text stays
 * readable on a phone): value ticks on the left, the first, middle and last dates below, and a
 * dashed line at 0 when the values cross it. Missing values break the line.
 */
export function drawSeries(svg: SVGSVGElement, values: ArrayLike<number>, dates: string[]): void {
  const width = Math.max(200, svg.clientWidth || 600)
  const height = Math.max(120, svg.clientHeight || 220)
  const margin = { left: 44, right: 10, top: 8, bottom: 22 }
  const finite = Array.from(values).filter(Number.isFinite)
  let lo = finite.length ? Math.min(...finite) : 0
  let hi = finite.length ? Math.max(...finite) : 1
  if (!(hi > lo)) {
    lo -= 1
    hi += 1
  }
  const yTicks = ticks(lo, hi, 5)
  lo = Math.min(lo, yTicks[0] ?? lo)
  hi = Math.max(hi, yTicks[yTicks.length - 1] ?? hi)
  const n = values.length
  const x = (i: number) => margin.left + (n > 1 ? (i / (n - 1)) * (width - margin.left - margin.right) : 0)
  const y = (v: number) => margin.top + ((hi - v) / (hi - lo)) * (height - margin.top - margin.bottom)
  const nodes: SVGElement[] = []
  for (const v of yTicks) {
    nodes.push(
      el('line', { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v), class: v === 0 ? 'zero' : '' }),
    )
    nodes.push(
      el(
        'text',
        { x: margin.left - 4, y: y(v), 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        String(v).replace('-', '−'),
      ),
    )
  }
  nodes.push(
    el('line', { x1: margin.left, x2: margin.left, y1: margin.top, y2: height - margin.bottom, class: 'axis' }),
  )
  nodes.push(
    el('line', {
      x1: margin.left,
      x2: width - margin.right,
      y1: height - margin.bottom,
      y2: height - margin.bottom,
      class: 'axis',
    }),
  )
  const labelled = n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : [...Array(n).keys()]
  for (const i of labelled) {
    const anchor = i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle'
    nodes.push(el('text', { x: x(i), y: height - 6, 'text-anchor': anchor }, dates[i] ?? ''))
  }
  // One polyline per run of present values.
  let run: string[] = []
  const flush = () => {
    if (run.length > 0) nodes.push(el('polyline', { points: run.join(' ') }))
    run = []
  }
  for (let i = 0; i < n; i++) {
    const v = values[i] as number
    if (Number.isFinite(v)) run.push(`${x(i).toFixed(2)},${y(v).toFixed(2)}`)
    else flush()
  }
  flush()
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`)
  svg.replaceChildren(...nodes)
}
