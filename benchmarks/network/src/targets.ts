/** One of issue 9's targets, measured: a ratio to plain files (or round trips) and the limit set. */
export interface TargetCheck {
  /** What is measured, e.g. `HAMT, open + time series, 40 ms`. */
  label: string
  /** The figure measured: a ratio to plain files, or round trips. */
  measured: number
  /** The most it may be. */
  limit: number
  /** How `measured` and `limit` are printed: `×` for ratios, ` RTT` for round trips. */
  unit: '×' | ' RTT'
  /**
   * The least the figure could be given the round trips the read needs one after another (its chain,
   * against the plain files' chain at the same RTT): what the format and the protocol allow, CPU aside.
   */
  bound: number
  /** What the bound is made of, for the reader. */
  boundWhy: string
}

/** A target's verdict: met or not, by how much, and why when missed. */
export interface Verdict {
  met: boolean
  /** `measured - limit`, positive when missed. */
  over: number
  /** Why a missed target is missed: the round trips when they alone exceed the limit, else client CPU. */
  why: string
}

/** Judges `check`: a missed target is put down to round trips when its bound exceeds the limit, else to CPU. */
export function judge(check: TargetCheck): Verdict {
  const met = check.measured <= check.limit
  const over = check.measured - check.limit
  if (met) return { met, over, why: '' }
  if (check.bound > check.limit) {
    return { met, over, why: `round trips: ${check.boundWhy} give at least ${format(check.bound, check.unit)}` }
  }
  return {
    met,
    over,
    why:
      `client CPU between round trips: ${check.boundWhy} would allow ${format(check.bound, check.unit)}; ` +
      'the rest is time spent hashing, decoding and handling requests',
  }
}

/**
 * The ratio to plain files the read would have if only its extra round trips counted: plain files'
 * time plus one RTT for each round trip more in its chain.
 */
export function roundTripBound(plainMs: number, chain: number, plainChain: number, rttMs: number): number {
  return (plainMs + Math.max(0, chain - plainChain) * rttMs) / plainMs
}

/** `value` with its unit, two decimals for ratios, one for round trips. */
export function format(value: number, unit: TargetCheck['unit']): string {
  return unit === '×' ? `${value.toFixed(2)}×` : `${value.toFixed(1)} RTT`
}

/** The targets as a Markdown table: measured, limit, met or by how much missed, and why. */
export function targetsTable(checks: readonly TargetCheck[]): string {
  const lines = ['| target | measured | limit | verdict | why |', '|---|---|---|---|---|']
  for (const check of checks) {
    const verdict = judge(check)
    const status = verdict.met ? 'met' : `MISSED by ${format(verdict.over, check.unit)}`
    lines.push(
      `| ${check.label} | ${format(check.measured, check.unit)} | ≤ ${format(check.limit, check.unit)} | ${status} | ${verdict.why} |`,
    )
  }
  return lines.join('\n')
}
