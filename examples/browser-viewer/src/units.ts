/** CF/UDUNITS spellings people do not read as they are, and what to show instead. */
const READABLE: Record<string, string> = {
  degC: '°C',
  deg_C: '°C',
  degree_Celsius: '°C',
  degrees_Celsius: '°C',
  celsius: '°C',
  Celsius: '°C',
  degF: '°F',
  degK: 'K',
  kelvin: 'K',
  Kelvin: 'K',
  degrees_north: '°N',
  degree_north: '°N',
  degrees_N: '°N',
  degrees_east: '°E',
  degree_east: '°E',
  degrees_E: '°E',
  'mm day-1': 'mm/day',
  'mm d-1': 'mm/day',
  'kg m-2 s-1': 'kg m⁻² s⁻¹',
  'm s-1': 'm/s',
  '1': '',
}

/** A variable's `units` attribute as a person reads it: `degC` → `°C`, `degrees_north` → `°N`. */
export function readableUnits(units: unknown): string {
  if (typeof units !== 'string') return ''
  const trimmed = units.trim()
  return READABLE[trimmed] ?? trimmed
}

/** Whether `units` (as stored) are a temperature in Celsius, Kelvin or Fahrenheit; `undefined` otherwise. */
export function temperatureUnits(units: unknown): 'C' | 'K' | 'F' | undefined {
  const readable = readableUnits(units)
  if (readable === '°C') return 'C'
  if (readable === 'K') return 'K'
  if (readable === '°F') return 'F'
  return undefined
}

/** `12.3456` → `12.3`, `1234.5` → `1,235`, `0.0123` → `0.012`: enough digits to tell cells apart. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return 'no data'
  const magnitude = Math.abs(value)
  if (magnitude !== 0 && magnitude < 0.1) return value.toLocaleString('en-US', { maximumSignificantDigits: 2 })
  return value.toLocaleString('en-US', { maximumFractionDigits: magnitude >= 100 ? 0 : 1 })
}

/** `52.5` → `52.5°N`, `-13.4` → `13.4°S`, `0` → `0°`. */
export function formatLatitude(lat: number): string {
  const text = Math.abs(lat).toLocaleString('en-US', { maximumFractionDigits: 2 })
  return lat === 0 ? '0°' : `${text}°${lat > 0 ? 'N' : 'S'}`
}

/** `13.4` → `13.4°E`, `-70` → `70°W`, `190` → `170°W`, `0` and `180` without a letter. */
export function formatLongitude(lon: number): string {
  const wrapped = ((((lon + 180) % 360) + 360) % 360) - 180
  const text = Math.abs(wrapped).toLocaleString('en-US', { maximumFractionDigits: 2 })
  if (wrapped === 0 || Math.abs(wrapped) === 180) return `${text}°`
  return `${text}°${wrapped > 0 ? 'E' : 'W'}`
}
