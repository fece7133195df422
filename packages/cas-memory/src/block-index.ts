/**
 * Blocks by multihash, indexed by a 32-bit number taken from the end of the multihash (a digest, so
 * evenly spread), with the full multihash compared on lookup. Unlike string keys, this builds
 * nothing per lookup.
 */
export class BlockIndex {
  readonly #slots = new Map<number, Block>()
  #count = 0

  get count(): number {
    return this.#count
  }

  get(multihash: Uint8Array): Uint8Array | undefined {
    for (let block = this.#slots.get(slotOf(multihash)); block !== undefined; block = block.next) {
      if (equal(block.multihash, multihash)) return block.data
    }
    return undefined
  }

  /** Adds a block; returns false when the multihash was already held. */
  add(multihash: Uint8Array, data: Uint8Array): boolean {
    const slot = slotOf(multihash)
    const first = this.#slots.get(slot)
    for (let block = first; block !== undefined; block = block.next) {
      if (equal(block.multihash, multihash)) return false
    }
    this.#slots.set(slot, { multihash, data, next: first })
    this.#count++
    return true
  }
}

interface Block {
  readonly multihash: Uint8Array
  readonly data: Uint8Array
  readonly next: Block | undefined
}

function slotOf(bytes: Uint8Array): number {
  const n = bytes.length
  return (
    ((bytes[n - 1] ?? 0) | ((bytes[n - 2] ?? 0) << 8) | ((bytes[n - 3] ?? 0) << 16) | ((bytes[n - 4] ?? 0) << 24)) >>> 0
  )
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
