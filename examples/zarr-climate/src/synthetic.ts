/**
 * A made-up but plausible climate: temperature falls towards the poles and swings with the seasons
 * (opposite in each hemisphere), rain follows a tropical belt that moves with the sun and the
 * mid-latitude storm tracks. Every value is a pure function of (day, latitude, longitude), so a test
 * can check any cell it reads back without keeping the data.
 */

const DAYS_PER_YEAR = 365.25
const RAD = Math.PI / 180
/**
 * Half the January–July swing at the pole, in °C, per hemisphere (it shrinks with the sine of the
 * latitude to none at the equator). The north, mostly land, swings far more than the ocean-covered
 * south, so the seasons do not cancel in the global mean: it is coldest in January and warmest in
 * July, (15 - 8) / 2 = 3.5 °C apart, as the real Earth's is (about 12 °C against 16 °C).
 */
export const SEASONAL_AMPLITUDE = { north: 15, south: 8 } as const

/** Near-surface air temperature in °C on day `day` (0 = the first day) at a cell centre. */
export function temperatureAt(day: number, lat: number, lon: number): number {
  const phi = lat * RAD
  const lambda = lon * RAD
  // +1 in mid-January (northern winter), -1 in mid-July: the seasons lag the solstices by about 3 weeks.
  const season = Math.cos((2 * Math.PI * (day - 15)) / DAYS_PER_YEAR)
  // Annual mean: about 27 °C at the equator, -1 °C at 60°, -11 °C at the poles; 14.5 °C global.
  const zonal = 27.5 - 39 * Math.sin(phi) ** 2
  // Larger towards the poles, opposite in the two hemispheres, and larger in the north (see above).
  const amplitude = lat >= 0 ? SEASONAL_AMPLITUDE.north : SEASONAL_AMPLITUDE.south
  const seasonal = -amplitude * Math.sin(phi) * season
  // Land and sea: larger seasonal swings on some longitudes, zero at the equator and the poles.
  const continents = -6 * Math.sin(3 * lambda + 0.5) * Math.sin(2 * phi) * season
  // Mostly northern stationary waves, zero in the zonal mean: mild western Europe and north-east
  // Pacific, cold Siberia and eastern North America (so Berlin is not as cold as its latitude).
  const stationary = 6 * Math.cos(2 * (lambda - 15 * RAD)) * Math.sin(2 * phi) ** 2 * (lat >= 0 ? 1 : 0.3)
  const trend = (0.03 * day) / DAYS_PER_YEAR
  // Weather: waves travelling east, with a little noise of each cell's own.
  const weather =
    3 * Math.sin((2 * Math.PI * day) / 9.3 - 4 * lambda + 3 * phi) * Math.cos(phi) +
    2 * Math.sin((2 * Math.PI * day) / 23.7 - 2 * lambda - 5 * phi) +
    1.2 * (unit(day, Math.round(lat * 1000), Math.round(lon * 1000)) - 0.5)
  return zonal + seasonal + continents + stationary + trend + weather
}

/** Precipitation in mm/day on day `day` at a cell centre; most days are dry outside the tropics. */
export function precipitationAt(day: number, lat: number, lon: number): number {
  const phi = lat * RAD
  const lambda = lon * RAD
  const itcz = 8 * Math.sin((2 * Math.PI * (day - 80)) / DAYS_PER_YEAR)
  const tropics = Math.exp(-(((lat - itcz) / 10) ** 2))
  const stormTracks = Math.exp(-(((Math.abs(lat) - 48) / 12) ** 2))
  // Rain comes in systems that drift east: the chance of rain follows a travelling wave.
  const systems = 0.5 + 0.5 * Math.sin((2 * Math.PI * day) / 6.1 - 5 * lambda + 4 * phi)
  const wetChance = (0.05 + 0.6 * tropics + 0.4 * stormTracks) * (0.3 + 1.2 * systems)
  const la = Math.round(lat * 1000)
  const lo = Math.round(lon * 1000)
  if (unit(day, la, lo + 7919) >= wetChance) return 0
  const mean = (1.5 + 14 * tropics + 6 * stormTracks) * (0.5 + systems)
  return -mean * Math.log(1 - unit(day, la + 104729, lo))
}

/** A uniform number in [0, 1) from three integers: a fixed hash, so the data is reproducible. */
function unit(a: number, b: number, c: number): number {
  let h =
    Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^
    Math.imul(b + 0x7f4a7c15, 0xc2b2ae35) ^
    Math.imul(c + 0x165667b1, 0x27d4eb2f)
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  h ^= h >>> 12
  h = Math.imul(h, 0x297a2d39)
  h ^= h >>> 15
  return (h >>> 0) / 4294967296
}
