import { describe, expect, it } from 'vitest'
import { blake3 as browserBlake3, blake3Text as browserBlake3Text } from '../src/blake3/browser.js'
import { blake3Into, blake3 as nodeBlake3, blake3Text as nodeBlake3Text } from '../src/blake3/node.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('the browser BLAKE3 (pure JavaScript)', () => {
  it('gives the same digests as the WebAssembly one Node uses', () => {
    for (const length of [0, 1, 31, 32, 64, 1023, 1024, 1025, 70_000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff)
      expect(hex(browserBlake3(data))).toBe(hex(nodeBlake3(data)))
    }
  })

  it('hashes text as its UTF-8 bytes in both, whatever the text', () => {
    // Short ASCII (written straight into wasm memory in Node), non-ASCII, and longer than the fast path.
    for (const text of ['', 'k0', 'a'.repeat(64), 'a'.repeat(65), 'é', 'température/0.0.0', '😀'.repeat(40)]) {
      const bytes = new TextEncoder().encode(text)
      expect(hex(nodeBlake3Text(text))).toBe(hex(browserBlake3(bytes)))
      expect(hex(browserBlake3Text(text))).toBe(hex(browserBlake3(bytes)))
    }
  })
})

describe('the WebAssembly BLAKE3', () => {
  it('hands out digests that a later hash does not overwrite', () => {
    const first = nodeBlake3Text('first')
    const before = hex(first)
    nodeBlake3Text('second')
    nodeBlake3(new Uint8Array(10))
    expect(hex(first)).toBe(before)
  })

  it('keeps hashing right after its memory grows', () => {
    const small = new Uint8Array([1, 2, 3])
    const expected = hex(browserBlake3(small))
    // Several megabytes at once make the wasm memory grow, which detaches every view of the old one.
    const big = new Uint8Array(8 * 1024 * 1024).fill(7)
    expect(hex(nodeBlake3(big))).toBe(hex(browserBlake3(big)))
    const out = new Uint8Array(32)
    blake3Into(small, out)
    expect(hex(out)).toBe(expected)
    expect(hex(nodeBlake3Text('k0'))).toBe(hex(browserBlake3(new TextEncoder().encode('k0'))))
  })
})
