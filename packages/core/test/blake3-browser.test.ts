import { describe, expect, it } from 'vitest'
import { blake3 as browserBlake3 } from '../src/blake3/browser.js'
import { blake3 as nodeBlake3 } from '../src/blake3/node.js'

describe('the browser BLAKE3 (pure JavaScript)', () => {
  it('gives the same digests as the WebAssembly one Node uses', () => {
    for (const length of [0, 1, 31, 32, 64, 1023, 1024, 1025, 70_000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff)
      expect(Buffer.from(browserBlake3(data)).toString('hex')).toBe(Buffer.from(nodeBlake3(data)).toString('hex'))
    }
  })
})
