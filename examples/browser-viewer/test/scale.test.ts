import { describe, expect, test } from 'vitest'
import { ChunkCache, isChunkKey } from '../src/chunk-store.js'
import { parseGateways } from '../src/gateways.js'
import { BadKeyError, parseKey } from '../src/key.js'
import { makeScale, scaleKind } from '../src/scale.js'
import { formatLatitude, formatLongitude, formatValue, readableUnits } from '../src/units.js'

const temperature = { name: 'temperature', attributes: { standard_name: 'air_temperature', units: 'degC' } }
const rain = { name: 'precipitation', attributes: { standard_name: 'lwe_precipitation_rate', units: 'mm/day' } }

describe('colour scales', () => {
  test('temperature: diverging, white at 0 °C whatever the range, blue below and red above', () => {
    const scale = makeScale(temperature, [-24.6, 32])
    expect(scale.kind).toBe('diverging')
    expect([scale.min, scale.max, scale.centre]).toEqual([-30, 40, 0])
    expect(scale.position(0)).toBe(0.5)
    const [r0, g0, b0] = scale.colour(0) ?? []
    expect(Math.min(r0 ?? 0, g0 ?? 0, b0 ?? 0)).toBeGreaterThan(230)
    const cold = scale.colour(-20) ?? [0, 0, 0]
    const warm = scale.colour(20) ?? [0, 0, 0]
    expect(cold[2]).toBeGreaterThan(cold[0])
    expect(warm[0]).toBeGreaterThan(warm[2])
    expect(scale.colour(Number.NaN)).toBeUndefined()
    // Beyond the limits: the end colours.
    expect(scale.colour(-100)).toEqual(scale.colour(-30))
    expect(scale.ticks().map((t) => t.label)).toContain('0')
  })

  test('kelvin is centred on 273.15 K; a variable of no known kind gets viridis', () => {
    expect(makeScale({ name: 't2m', attributes: { units: 'K' } }, [230, 310]).centre).toBe(273.15)
    expect(scaleKind({ name: 'wind', attributes: { units: 'm s-1' } })).toBe('sequential')
  })

  test('precipitation: stepped, dry white, heavier bins darker', () => {
    const scale = makeScale(rain, [0, 124])
    expect(scale.kind).toBe('stepped')
    expect(scale.bounds).toEqual([0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200])
    expect(scale.colour(0)).toEqual([255, 255, 255])
    expect(scale.colour(0.05)).toEqual([255, 255, 255])
    expect(scale.colour(0.2)).toEqual(scale.colour(0.4))
    expect(scale.colour(0.2)).not.toEqual(scale.colour(0.6))
    const sum = (c: number[] | undefined) => (c ?? []).reduce((a, b) => a + b, 0)
    expect(sum(scale.colour(60))).toBeLessThan(sum(scale.colour(3)))
  })
})

describe('words and numbers', () => {
  test('units as people read them', () => {
    expect(readableUnits('degC')).toBe('°C')
    expect(readableUnits('degrees_north')).toBe('°N')
    expect(readableUnits('mm/day')).toBe('mm/day')
    expect(readableUnits(undefined)).toBe('')
  })

  test('coordinates and values', () => {
    expect(formatLatitude(-13.4)).toBe('13.4°S')
    expect(formatLatitude(0)).toBe('0°')
    expect(formatLongitude(190)).toBe('170°W')
    expect(formatLongitude(-180)).toBe('180°')
    expect(formatValue(12.345)).toBe('12.3')
    expect(formatValue(0.0123)).toBe('0.012')
    expect(formatValue(1234.5)).toBe('1,235')
    expect(formatValue(Number.NaN)).toBe('no data')
  })

  test('gateways and keys', () => {
    expect(parseGateways(' http://a:8080, http://b:8080\nhttp://c ')).toEqual([
      'http://a:8080',
      'http://b:8080',
      'http://c',
    ])
    expect(parseKey('01'.repeat(32))).toEqual(new Uint8Array(32).fill(1))
    expect(parseKey(btoa(String.fromCharCode(...new Uint8Array(32).fill(2))))).toEqual(new Uint8Array(32).fill(2))
    expect(() => parseKey('abc')).toThrow(BadKeyError)
  })
})

describe('the chunk cache', () => {
  test('counts chunks only, asks the store once per chunk, and shares a read in flight', async () => {
    const asked: string[] = []
    const store = {
      async get(key: string) {
        asked.push(key)
        await new Promise((resolve) => setTimeout(resolve, 5))
        return new Uint8Array(10)
      },
    }
    const cache = new ChunkCache(store, 25)
    const seen: boolean[] = []
    const view = cache.view((cached) => seen.push(cached))
    expect(isChunkKey('/temperature/zarr.json')).toBe(false)
    expect(isChunkKey('/temperature/.zarray')).toBe(false)
    await view.get('/temperature/zarr.json')
    await Promise.all([view.get('/temperature/c/0/0/0'), view.get('/temperature/c/0/0/0')])
    await view.get('/temperature/c/0/0/0')
    expect(asked).toEqual(['/temperature/zarr.json', '/temperature/c/0/0/0'])
    expect(seen).toEqual([false, false, true])
    // Past 25 bytes the oldest chunk goes.
    await view.get('/temperature/c/1/0/0')
    await view.get('/temperature/c/2/0/0')
    await view.get('/temperature/c/0/0/0')
    expect(asked.filter((k) => k === '/temperature/c/0/0/0')).toHaveLength(2)
  })
})
