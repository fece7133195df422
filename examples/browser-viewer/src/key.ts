/** A typed key that is not 32 bytes in hex or base64. */
export class BadKeyError extends Error {
  readonly code = 'ERR_BAD_KEY'
  constructor() {
    super('the key must be 32 bytes: 64 hexadecimal digits, or 44 characters of base64')
    this.name = 'BadKeyError'
  }
}

/** A 32-byte key typed as 64 hex digits or as base64. */
export function parseKey(text: string): Uint8Array {
  const clean = text.trim()
  if (/^[0-9a-f]{64}$/i.test(clean)) {
    return Uint8Array.from({ length: 32 }, (_, i) => Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16))
  }
  try {
    const binary = atob(clean.replace(/-/g, '+').replace(/_/g, '/'))
    if (binary.length === 32) return Uint8Array.from(binary, (c) => c.charCodeAt(0))
  } catch {
    // not base64 either
  }
  throw new BadKeyError()
}
