/**
 * Python's `json.dumps(json.loads(text))` with its defaults (`", "` and `": "` separators,
 * `ensure_ascii`, `repr` floats), which py-hamt applies when it rewrites metadata: the same input
 * gives the same bytes, hence the same CID. Key order is kept; numbers keep their int/float kind.
 */

type PyValue = null | boolean | string | PyNumber | PyValue[] | Map<string, PyValue>
interface PyNumber {
  text: string
}

/** Parses JSON (with Python's NaN, Infinity, -Infinity) and re-emits it as Python would. */
export function pythonJsonRoundTrip(text: string): string {
  return dumps(parseJson(text))
}

/** Parses JSON into a tree that keeps key order and number text. */
export function parseJson(text: string): PyValue {
  let at = 0
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at ${at}`)
  }
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++
  }
  const value = (): PyValue => {
    space()
    const c = text[at]
    if (c === '{') {
      at++
      const map = new Map<string, PyValue>()
      space()
      if (text[at] === '}') {
        at++
        return map
      }
      for (;;) {
        space()
        const key = value()
        if (typeof key !== 'string') fail()
        space()
        if (text[at++] !== ':') fail()
        const v = value()
        // A repeated key keeps its first place and takes the last value, as in a Python dict.
        map.set(key as string, v)
        space()
        if (text[at] === ',') at++
        else if (text[at++] === '}') return map
        else fail()
      }
    }
    if (c === '[') {
      at++
      const list: PyValue[] = []
      space()
      if (text[at] === ']') {
        at++
        return list
      }
      for (;;) {
        list.push(value())
        space()
        if (text[at] === ',') at++
        else if (text[at++] === ']') return list
        else fail()
      }
    }
    if (c === '"') {
      const end = stringEnd(text, at)
      const s = JSON.parse(text.slice(at, end)) as string
      at = end
      return s
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length
        return v
      }
    }
    for (const word of ['NaN', 'Infinity', '-Infinity']) {
      if (text.startsWith(word, at)) {
        at += word.length
        return { text: word }
      }
    }
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at))
    if (match === null) return fail()
    at += match[0].length
    return { text: match[0] }
  }
  const result = value()
  space()
  if (at !== text.length) fail()
  return result
}

function stringEnd(text: string, start: number): number {
  let at = start + 1
  while (at < text.length) {
    const c = text[at]
    if (c === '\\') at += 2
    else if (c === '"') return at + 1
    else at++
  }
  throw new SyntaxError('unterminated string')
}

/** `json.dumps` of a parsed tree. */
export function dumps(value: PyValue): string {
  if (value === null) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (typeof value === 'string') return pyString(value)
  if (Array.isArray(value)) return `[${value.map(dumps).join(', ')}]`
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${pyString(k)}: ${dumps(v)}`).join(', ')}}`
  return pyNumber(value.text)
}

function pyString(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    const c = s[i] as string
    if (c === '"') out += '\\"'
    else if (c === '\\') out += '\\\\'
    else if (c === '\n') out += '\\n'
    else if (c === '\r') out += '\\r'
    else if (c === '\t') out += '\\t'
    else if (c === '\b') out += '\\b'
    else if (c === '\f') out += '\\f'
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += c
  }
  return `${out}"`
}

function pyNumber(text: string): string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return text
  // Python reads a number without fraction or exponent as an int and prints its digits back.
  if (!/[.eE]/.test(text)) return text === '-0' ? '0' : text
  return pyFloatRepr(Number(text))
}

/** Python's `repr(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  const sign = x < 0 || Object.is(x, -0) ? '-' : ''
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string]
  const digits = mantissa.replace('.', '')
  const exp = Number(exponent)
  if (exp < -4 || exp >= 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
  const frac = digits.slice(exp + 1)
  return `${sign}${whole}.${frac === '' ? '0' : frac}`
}
