/**
 * A made-up but plausible climate: temperature falls towards the poles and swings with the seasons
 * (opposite in each hemisphere), rain follows a tropical belt that moves with the sun and the
 * mid-latitude storm tracks. Every value is a pure function of (day, latitude, longitude), so a test
 * can check any cell it reads back without keeping the data.
 */

const DAYS_PER_YEAR = 365.25
const RAD = Math.PI / 180

/** Near-surface air temperature in °C on day `day` (0 = the first day) at a cell centre. */
export function temperatureAt(day: number, lat: number, lon: number): number {
  const phi = lat * RAD
  const lambda = lon * RAD
  const season = Math.cos((2 * Math.PI * (day - 15)) / DAYS_PER_YEAR)
  const zonal = 30 * Math.cos(phi) - 9
  const seasonal = -14 * Math.sin(phi) * season
  // Land and sea: larger seasonal swings on some longitudes, zero at the equator and the poles.
  const continents = -6 * Math.sin(3 * lambda + 0.5) * Math.sin(2 * phi) * season
  const trend = (0.03 * day) / DAYS_PER_YEAR
  // Weather: waves travelling east, with a little noise of each cell's own.
  const weather =
    3 * Math.sin((2 * Math.PI * day) / 9.3 - 4 * lambda + 3 * phi) * Math.cos(phi) +
    2 * Math.sin((2 * Math.PI * day) / 23.7 - 2 * lambda - 5 * phi) +
    1.2 * (unit(day, Math.round(lat * 1000), Math.round(lon * 1000)) - 0.5)
  return zonal + seasonal + continents + trend + weather
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
