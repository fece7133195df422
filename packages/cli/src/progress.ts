/** Where progress goes: a stream with `isTTY` and, on a terminal, its width. */
export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

const INTERVAL_MS = 100
const BAR_WIDTH = 24

/**
 * One status line on stderr, redrawn at most every 100 ms, and only on a terminal: piped or
 * redirected output (scripts, logs) gets none of it.
 */
export class Progress {
  readonly enabled: boolean
  #last = 0
  #shown = false

  constructor(
    readonly stream: ProgressStream,
    enabled = stream.isTTY === true,
  ) {
    this.enabled = enabled
  }

  /** Shows `label` with a bar when `total` is known, else with the count. */
  update(label: string, done: number, total?: number, detail = ''): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.#last < INTERVAL_MS && (total === undefined || done < total)) return
    this.#last = now
    let text: string
    if (total !== undefined && total > 0) {
      const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH))
      text = `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`
    } else {
      text = `${label} ${done}`
    }
    if (detail !== '') text += ` ${detail}`
    const width = (this.stream.columns ?? 80) - 1
    this.stream.write(`\r${text.slice(0, width).padEnd(width)}`)
    this.#shown = true
  }

  /** Clears the line, so what follows starts clean. */
  done(): void {
    if (!this.#shown) return
    const width = (this.stream.columns ?? 80) - 1
    this.stream.write(`\r${' '.repeat(width)}\r`)
    this.#shown = false
  }
}

/** Bytes for people: 1.5 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}
