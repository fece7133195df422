import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js'
import { hash as wasmBlake3 } from 'blake3-wasm'
import { describe, expect, it } from 'vitest'
import { randomBytes } from '../../../tools/test-support/random-bytes.js'
import { libraryDigest as browserLibrary } from '../src/blake3/browser.js'
import { blake3, blake3Into, blake3Text, blake3TextView, blake3View } from '../src/blake3/index.js'
import { libraryDigest as nodeLibrary } from '../src/blake3/node.js'
import { oneBlockDigest, oneBlockTextDigest } from '../src/blake3/one-block.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const noble = (data: Uint8Array): string => hex(nobleBlake3(data))
const wasm = (data: Uint8Array): string => hex(wasmBlake3(data) as Uint8Array)

describe('BLAKE3 of one block (input of up to 64 bytes)', () => {
  it('gives the digest of no bytes that the BLAKE3 specification gives', () => {
    expect(hex(oneBlockDigest(new Uint8Array(0), 0, 0))).toBe(
      'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262',
    )
  })

  it('gives the digests @noble/hashes and blake3-wasm give, for every length and many contents', () => {
    for (let length = 0; length <= 64; length++) {
      for (let sample = 0; sample < 20; sample++) {
        // All zeros, all ones and random bytes, at an offset in a larger array as a node block holds keys.
        const data =
          sample < 2 ? new Uint8Array(length).fill(sample * 0xff) : randomBytes(length, length * 100 + sample)
        const host = new Uint8Array(length + 10)
        host.set(data, 7)
        const expected = noble(data)
        expect(wasm(data)).toBe(expected)
        expect(hex(oneBlockDigest(host, 7, 7 + length))).toBe(expected)
      }
    }
  })

  it('hashes ASCII text as its bytes and leaves other text to the caller', () => {
    for (const text of ['', 'k0', 'zarr.json', 'temp/c/0/0/0', 'a'.repeat(64)]) {
      expect(hex(oneBlockTextDigest(text) as Uint8Array)).toBe(noble(new TextEncoder().encode(text)))
    }
    expect(oneBlockTextDigest('a'.repeat(65))).toBeUndefined()
    expect(oneBlockTextDigest('température')).toBeUndefined()
  })
})

describe('BLAKE3 for the HAMT', () => {
  it('gives the libraries’ digests on both sides of the one-block limit, as bytes and as text', () => {
    for (const length of [0, 1, 31, 32, 63, 64, 65, 1023, 1024, 1025, 70_000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff)
      const expected = noble(data)
      expect(hex(blake3(data))).toBe(expected)
      expect(hex(blake3View(data))).toBe(expected)
      const out = new Uint8Array(32)
      blake3Into(data, out)
      expect(hex(out)).toBe(expected)
    }
    // Short ASCII, non-ASCII (whose UTF-8 may or may not fit one block), and longer than one block.
    for (const text of [
      '',
      'k0',
      'a'.repeat(64),
      'a'.repeat(65),
      'é',
      'température/0.0.0',
      '😀'.repeat(16),
      '😀'.repeat(40),
    ]) {
      const expected = noble(new TextEncoder().encode(text))
      expect(hex(blake3Text(text))).toBe(expected)
      expect(hex(blake3TextView(text))).toBe(expected)
    }
  })

  it('hands out copies that a later hash does not overwrite, and views that it does', () => {
    const copy = blake3Text('first')
    const view = blake3TextView('first')
    const before = hex(copy)
    blake3Text('second')
    blake3(new Uint8Array(10))
    expect(hex(copy)).toBe(before)
    expect(hex(view)).not.toBe(before)
  })

  it('hashes the same in Node’s library (blake3-wasm) and the browser’s (@noble/hashes)', () => {
    for (const length of [65, 1024, 70_000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff)
      expect(hex(nodeLibrary(data))).toBe(hex(browserLibrary(data)))
    }
  })

  it('keeps hashing right after the WebAssembly memory grows', () => {
    const expected = noble(new Uint8Array([1, 2, 3]))
    // Several megabytes at once make the wasm memory grow, which detaches every view of the old one.
    const big = new Uint8Array(8 * 1024 * 1024).fill(7)
    expect(hex(nodeLibrary(big))).toBe(hex(browserLibrary(big)))
    expect(hex(nodeLibrary(new Uint8Array(100).fill(1)))).toBe(noble(new Uint8Array(100).fill(1)))
    expect(hex(blake3(new Uint8Array([1, 2, 3])))).toBe(expected)
  })
})
