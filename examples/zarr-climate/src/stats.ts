/** Summary of a series of values. */
export interface SeriesStats {
  mean: number
  min: number
  max: number
  /** Index of the first minimum. */
  argmin: number
  /** Index of the first maximum. */
  argmax: number
  sum: number
  /** How many values are above zero. */
  positive: number
}

/** Mean, extremes and their positions, sum, and count of positive values. */
export function seriesStats(values: ArrayLike<number>): SeriesStats {
  if (values.length === 0) throw new RangeError('no values to summarise')
  let sum = 0
  let positive = 0
  let argmin = 0
  let argmax = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    sum += v
    if (v > 0) positive++
    if (v < (values[argmin] as number)) argmin = i
    if (v > (values[argmax] as number)) argmax = i
  }
  return {
    mean: sum / values.length,
    min: values[argmin] as number,
    max: values[argmax] as number,
    argmin,
    argmax,
    sum,
    positive,
  }
}

/** Mean of a latitude × longitude map with each row weighted by the cosine of its latitude. */
export function areaWeightedMean(map: ArrayLike<number>, latitude: ArrayLike<number>): number {
  const nLon = map.length / latitude.length
  let weighted = 0
  let weights = 0
  for (let i = 0; i < latitude.length; i++) {
    const w = Math.cos(((latitude[i] as number) * Math.PI) / 180)
    for (let j = 0; j < nLon; j++) {
      weighted += w * (map[i * nLon + j] as number)
      weights += w
    }
  }
  return weighted / weights
}

/**
 * Precipitation that makes a day (or a cell on a day) wet, in mm: the usual threshold (WMO's and
 * ETCCDI's wet-day definition), so drizzle and rounding noise do not count as rain.
 */
export const WET_DAY_MM = 1

/** How many of `values` are at least `threshold` (by default: wet days, {@link WET_DAY_MM}). */
export function countAtLeast(values: ArrayLike<number>, threshold = WET_DAY_MM): number {
  let count = 0
  for (let i = 0; i < values.length; i++) if ((values[i] as number) >= threshold) count++
  return count
}
