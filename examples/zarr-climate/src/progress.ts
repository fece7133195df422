import cliProgress from 'cli-progress'

/** Advances a progress display by a number of items, then removes it. */
export interface Progress {
  increment(count?: number): void
  stop(): void
}

/**
 * A progress bar on stderr. cli-progress draws nothing when stderr is not a terminal, so piped
 * output and test logs keep only the summary lines printed on stdout.
 */
export function progressBar(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
      stream: process.stderr,
      clearOnComplete: true,
      hideCursor: true,
      etaBuffer: 1000,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(total, 0)
  return {
    increment: (count = 1) => bar.increment(count),
    stop: () => bar.stop(),
  }
}
