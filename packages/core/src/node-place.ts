import type { CID } from 'multiformats/cid'
import { InvalidNodeError } from './errors.js'
import { cidEnd, headLength, headValue, keyAt, keyEnd } from './node-bytes.js'
import { SLOT_COUNT } from './node-parser.js'

/** What a node is checked against when it is read: where it sits, and how keys are placed. */
export interface NodePlace {
  /** The hash prefix the node sits at (empty for the root). */
  readonly path: Uint8Array
  /** Hash of a key given as its UTF-8 bytes (a view to be treated as read-only). */
  hashKeyBytes(key: Uint8Array): Uint8Array
  /** Bytes of a key hash: a node at this depth or deeper has no slot to pick. */
  readonly hashLength: number
}

const EMPTY_MAP = 0xa0
const ARRAY_OF_1 = 0x81

/**
 * Checks a parsed node block (see node-parser.ts) against `place`: that it sits no deeper than the
 * hash allows unless it is empty, and that every bucket key hashes to the slot and path it sits at. A
 * tree read this way has no cycles and no shared subtrees, so every walk over it ends.
 *
 * @throws {InvalidNodeError} naming `cid` when the node is not one at `place`.
 */
export function checkPlace(bytes: Uint8Array, starts: Uint32Array, cid: CID, place: NodePlace): void {
  const { path } = place
  const depth = path.length
  if (depth >= place.hashLength && bytes.length !== 3 + SLOT_COUNT) {
    throw new InvalidNodeError(
      cid,
      `it sits ${depth} levels deep, deeper than a ${place.hashLength}-byte key hash reaches (a cycle or a forged chain)`,
    )
  }
  for (let index = 0; index < SLOT_COUNT; index++) {
    let at = starts[index] as number
    const first = bytes[at] as number
    if (first === EMPTY_MAP || first === ARRAY_OF_1) continue
    const count = headValue(bytes, at)
    at += headLength(first)
    for (let entry = 0; entry < count; entry++) {
      const end = keyEnd(bytes, at)
      const hash = place.hashKeyBytes(bytes.subarray(end - headValue(bytes, at), end))
      let fits = hash[depth] === index
      for (let d = 0; fits && d < depth; d++) fits = hash[d] === path[d]
      if (!fits) {
        throw new InvalidNodeError(
          cid,
          `key ${JSON.stringify(keyAt(bytes, at))} sits in slot ${index} at path [${[...path].join(', ')}], where its hash does not put it`,
        )
      }
      at = cidEnd(bytes, end)
    }
  }
}

/** The path of the child in slot `index` of `parent` (any node that knows its own path). */
export function childPath(parent: { readonly path: Uint8Array }, index: number): Uint8Array {
  const path = new Uint8Array(parent.path.length + 1)
  path.set(parent.path)
  path[parent.path.length] = index
  return path
}
