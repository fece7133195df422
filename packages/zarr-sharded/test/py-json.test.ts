import { expect, test } from 'vitest'
import { pyFloatRepr, pythonJsonRoundTrip } from '../src/py-json.js'

test("floats print as Python's repr", () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0.5, '0.5'],
    [-2.25, '-2.25'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [123456789012345.6, '123456789012345.6'],
    [1e300, '1e+300'],
    [-0, '-0.0'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [0.1 + 0.2, '0.30000000000000004'],
  ]
  for (const [x, repr] of cases) expect(pyFloatRepr(x)).toBe(repr)
})

test('json.dumps(json.loads(text)) as Python writes it', () => {
  expect(pythonJsonRoundTrip('{"b":1,"a":[1.0,2.50,1e2,-0,NaN,true,false,null],"c":{}, "d":[]}')).toBe(
    '{"b": 1, "a": [1.0, 2.5, 100.0, 0, NaN, true, false, null], "c": {}, "d": []}',
  )
  expect(pythonJsonRoundTrip('"caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\n\\t\\r\\b\\f \\u007f"')).toBe(
    '"caf\\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ \\n\\t\\r\\b\\f \\u007f"',
  )
  expect(pythonJsonRoundTrip('{"k": 1, "k": 2}')).toBe('{"k": 2}')
  for (const bad of ['{', '[1,', '{"a" 1}', 'nope', '"open', '[1] x', '{1: 2}'])
    expect(() => pythonJsonRoundTrip(bad)).toThrow(SyntaxError)
})
