import { describe, expect, test } from 'vitest'
import { roundTripChain } from '../src/round-trips.js'
import { judge, roundTripBound, type TargetCheck, targetsTable } from '../src/targets.js'

const at = (...times: number[]) => times.map((time) => ({ at: 1000 + time, path: '/ipfs/x' }))

describe('roundTripChain', () => {
  test('counts waves: requests within one RTT of a wave’s first are one round trip', () => {
    // zarr.json, then 3 chunks together, then one late chunk: 3 waves at 40 ms.
    expect(roundTripChain(at(1, 42, 43, 60, 95), 1000, 40)).toBe(3)
    // A chain of dependent requests, each an RTT after the one before.
    expect(roundTripChain(at(0, 40, 80, 120), 1000, 40)).toBe(4)
    // Out of order, and requests from before the read started, do not change it.
    expect(roundTripChain([...at(80, 0, 40), { at: 500, path: '/ipfs/y' }], 1000, 40)).toBe(3)
  })

  test('is NaN at RTT 0 and 0 without requests', () => {
    expect(roundTripChain(at(0, 1), 1000, 0)).toBeNaN()
    expect(roundTripChain([], 1000, 40)).toBe(0)
  })
})

describe('targets', () => {
  const check = (measured: number, bound: number): TargetCheck => ({
    label: 'HAMT, series, 40 ms',
    measured,
    limit: 1.3,
    unit: '×',
    bound,
    boundWhy: '5 round trips (plain files 2)',
  })

  test('a missed target is put down to round trips when they alone exceed the limit, else to CPU', () => {
    expect(judge(check(1.2, 1.1))).toEqual({ met: true, over: expect.closeTo(-0.1, 9), why: '' })
    const trips = judge(check(2.1, 1.69))
    expect(trips.met).toBe(false)
    expect(trips.over).toBeCloseTo(0.8, 9)
    expect(trips.why).toBe('round trips: 5 round trips (plain files 2) give at least 1.69×')
    expect(judge(check(1.5, 1.0)).why).toMatch(/^client CPU between round trips: .* would allow 1\.00×/)
  })

  test('the round-trip bound adds an RTT per extra round trip to the plain files’ time', () => {
    expect(roundTripBound(200, 5, 2, 40)).toBeCloseTo(1.6, 9)
    expect(roundTripBound(200, 1, 2, 40)).toBe(1)
  })

  test('the table prints every target with its verdict', () => {
    const table = targetsTable([check(1.2, 1), { ...check(5.2, 5), unit: ' RTT', limit: 4, label: 'cold open' }])
    expect(table.split('\n')).toEqual([
      '| target | measured | limit | verdict | why |',
      '|---|---|---|---|---|',
      '| HAMT, series, 40 ms | 1.20× | ≤ 1.30× | met |  |',
      '| cold open | 5.2 RTT | ≤ 4.0 RTT | MISSED by 1.2 RTT | round trips: 5 round trips (plain files 2) give at least 5.0 RTT |',
    ])
  })
})
