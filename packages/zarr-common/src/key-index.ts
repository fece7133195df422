/**
 * A sorted snapshot of a HAMT's keys, so prefix and directory listings are a binary search rather
 * than a walk of the whole tree.
 */
export class KeyIndex {
  readonly #keys: readonly string[]

  constructor(keys: Iterable<string>) {
    // Default sort compares UTF-16 code units: every key with a prefix is then contiguous.
    this.#keys = [...keys].sort()
  }

  /** Number of keys. */
  get size(): number {
    return this.#keys.length
  }

  /** Every key, sorted. */
  all(): readonly string[] {
    return this.#keys
  }

  /** Keys that start with `prefix`, sorted. */
  *withPrefix(prefix: string): Generator<string> {
    for (let i = this.#lowerBound(prefix); i < this.#keys.length; i++) {
      const key = this.#keys[i] as string
      if (!key.startsWith(prefix)) return
      yield key
    }
  }

  /** Names of the immediate children of directory `prefix`, each once, in sorted order of first key. */
  *children(prefix: string): Generator<string> {
    // A name can come back after others: 'b' (a key), 'b-x', then 'b/c' (a directory).
    const seen = new Set<string>()
    let i = this.#lowerBound(prefix)
    while (i < this.#keys.length) {
      const key = this.#keys[i] as string
      if (!key.startsWith(prefix)) return
      const slash = key.indexOf('/', prefix.length)
      const name = slash === -1 ? key.slice(prefix.length) : key.slice(prefix.length, slash)
      if (!seen.has(name)) {
        seen.add(name)
        yield name
      }
      // Skip the rest of this child's subtree in one search: '0' sorts right after '/'.
      i = slash === -1 ? i + 1 : this.#lowerBound(`${prefix}${name}0`)
    }
  }

  #lowerBound(target: string): number {
    let lo = 0
    let hi = this.#keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#keys[mid] as string) < target) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
