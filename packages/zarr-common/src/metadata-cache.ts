import { ZarrMetadataError } from './errors.js'

const OPEN_BRACE = 0x7b

/**
 * Metadata values (`zarr.json`) as zarrita wrote them, by stored key: zarrita reads them again for
 * every array it opens. A read that raced a write of the same key is not cached, so the cache never
 * holds a value older than the store's.
 */
export class MetadataCache {
  readonly #values = new Map<string, Uint8Array>()
  /** Bumped around every write of a key. */
  readonly #versions = new Map<string, number>()
  /** Loads under way, with the version of the key they started at. */
  readonly #pending = new Map<string, { version: number | undefined; value: Promise<Uint8Array | undefined> }>()

  /** @param hint added to the error for a value that is not JSON (say what to do about it), if any. */
  constructor(readonly hint?: string) {}

  /** Whether `key` is cached. */
  has(key: string): boolean {
    return this.#values.has(key)
  }

  /**
   * The cached value of `key` (a copy), or `load()`'s, checked to be a JSON object and cached.
   *
   * @throws {ZarrMetadataError} when the loaded value is not a JSON object.
   */
  async read(key: string, load: () => Promise<Uint8Array | undefined>): Promise<Uint8Array | undefined> {
    const cached = this.#values.get(key)
    if (cached !== undefined) return cached.slice()
    const version = this.#versions.get(key)
    // Readers of a key no write has touched since share one load (zarrita and a prefetch ask at once).
    const pending = this.#pending.get(key)
    if (pending !== undefined && pending.version === version) return (await pending.value)?.slice()
    const loading = this.#load(key, load, version)
    this.#pending.set(key, { version, value: loading })
    try {
      return await loading
    } finally {
      if (this.#pending.get(key)?.value === loading) this.#pending.delete(key)
    }
  }

  async #load(
    key: string,
    load: () => Promise<Uint8Array | undefined>,
    version: number | undefined,
  ): Promise<Uint8Array | undefined> {
    const value = await load()
    if (value === undefined) return undefined
    if (firstNonSpace(value) !== OPEN_BRACE) {
      throw new ZarrMetadataError(
        key,
        this.hint === undefined ? 'it is not a JSON object' : `it is not a JSON object (${this.hint})`,
      )
    }
    if (this.#versions.get(key) === version) this.#values.set(key, value.slice())
    return value
  }

  /** Call when a write of `key` is issued (before it waits for its turn). */
  beginWrite(key: string): void {
    this.#bump(key)
  }

  /** Call when that write has ended: `after` is the value now stored, `undefined` if deleted or failed. */
  endWrite(key: string, after: Uint8Array | undefined): void {
    if (after === undefined) this.#values.delete(key)
    else this.#values.set(key, after)
    this.#bump(key)
  }

  /** Forgets every value (the store moved to another root). */
  clear(): void {
    this.#values.clear()
  }

  #bump(key: string): void {
    this.#versions.set(key, (this.#versions.get(key) ?? 0) + 1)
  }
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte
  }
  return undefined
}
