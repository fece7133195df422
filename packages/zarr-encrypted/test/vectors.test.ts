import { describe, expect, test } from 'vitest'
import { DecryptionError, decrypt, encrypt } from '../src/index.js'
import { b64, hex } from './helpers.js'
import vectors from './pyhamt-encryption-public.json' with { type: 'json' }

describe("py-hamt's SimpleEncryptedZarrHAMTStore vectors", () => {
  test.each(vectors.vectors)('$name decrypts', (v) => {
    const plaintext = decrypt(hex(v.keyHex), hex(v.headerHex), b64(v.outputB64), 'k')
    expect(plaintext).toEqual(b64(v.plaintextB64))
    expect(plaintext.length).toBe(v.plaintextLength)
  })

  test.each(vectors.vectors)('$name encrypts to the same bytes with its nonce', (v) => {
    const out = encrypt(hex(v.keyHex), hex(v.headerHex), b64(v.plaintextB64), hex(v.nonceHex))
    expect(out).toEqual(b64(v.outputB64))
    expect(out.subarray(24, 40)).toEqual(hex(v.tagHex))
  })

  test.each(vectors.vectors)('$name fails with a wrong key, a wrong header, or any altered byte', (v) => {
    const key = hex(v.keyHex)
    const header = hex(v.headerHex)
    const output = b64(v.outputB64)
    const wrongKey = key.slice()
    wrongKey[0] = (wrongKey[0] as number) ^ 1
    expect(() => decrypt(wrongKey, header, output, 'temp/c/0')).toThrow(DecryptionError)
    expect(() => decrypt(key, Uint8Array.of(...header, 0x21), output, 'temp/c/0')).toThrow(
      /"temp\/c\/0".*wrong key or header/,
    )
    for (const at of [0, 23, 24, 39, output.length - 1]) {
      const altered = output.slice()
      altered[at] = (altered[at] as number) ^ 0x80
      expect(() => decrypt(key, header, altered)).toThrow(DecryptionError)
    }
    expect(() => decrypt(key, header, output.subarray(0, 39), 'x')).toThrow(/shorter than a nonce and a tag/)
  })
})
