import type { ColourScale } from './scale.js'

/**
 * Paints the colour bar (`canvas`, 256 px wide, stretched by CSS) and its ticks (spans placed by
 * percentage in `ticks`): a stepped scale gets a white "dry" box and one box per bin, a continuous
 * one a smooth ramp. Tick positions depend only on the scale, so the bar never shifts.
 */
export function drawColourBar(canvas: HTMLCanvasElement, ticks: HTMLElement, scale: ColourScale): void {
  const width = 256
  const pixels = new Uint8ClampedArray(width * 4)
  for (let x = 0; x < width; x++) {
    const colour = scale.colour(valueAt(scale, (x + 0.5) / width)) ?? [0, 0, 0]
    pixels.set([...colour, 255], x * 4)
  }
  canvas.width = width
  canvas.height = 1
  canvas.getContext('2d')?.putImageData(new ImageData(pixels, width, 1), 0, 0)
  ticks.replaceChildren(
    ...scale.ticks().map((tick) => {
      const span = document.createElement('span')
      span.style.left = `${(tick.position * 100).toFixed(2)}%`
      span.textContent = tick.label
      span.dataset.value = String(tick.value)
      return span
    }),
  )
  if (scale.kind === 'stepped') {
    const dry = document.createElement('span')
    dry.style.left = `${(50 / ((scale.bounds?.length ?? 2) - 1 + 1)).toFixed(2)}%`
    dry.textContent = 'dry'
    dry.className = 'dry'
    ticks.append(dry)
  }
}

/** The value at a position on the bar (the inverse of `scale.position`, by bisection). */
function valueAt(scale: ColourScale, position: number): number {
  if (scale.kind === 'stepped') {
    const bounds = scale.bounds ?? [0, 1]
    const boxes = bounds.length
    const box = Math.floor(position * boxes)
    if (box === 0) return 0
    const lo = bounds[box - 1] as number
    const hi = bounds[Math.min(box, bounds.length - 1)] as number
    return lo + (hi - lo) * (position * boxes - box)
  }
  let lo = scale.min
  let hi = scale.max
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2
    if (scale.position(mid) < position) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
