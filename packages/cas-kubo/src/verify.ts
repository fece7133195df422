import { blake3Hasher, blake3HashFn } from '@hamt/core'
import { equals, toHex } from 'multiformats/bytes'
import type { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'

/** Multicodec code of dag-pb: UnixFS files, whose content may span many blocks. */
export const DAG_PB = 0x70

type Digester = (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>

// `multiformats/hashes/sha2` resolves to a WebCrypto build in browsers and to node:crypto in Node.
const DIGESTERS: ReadonlyMap<number, Digester> = new Map<number, Digester>([
  // Straight to the hash: no multihash object, no promise, for every block read.
  [blake3Hasher.code, blake3HashFn],
  [sha256.code, async (bytes) => (await sha256.digest(bytes)).digest],
  [sha512.code, async (bytes) => (await sha512.digest(bytes)).digest],
  [identity.code, (bytes) => identity.digest(bytes).digest],
])

/** Whether this package can hash bytes the way `cid` says they were hashed. */
export function canVerify(cid: CID): boolean {
  return DIGESTERS.has(cid.multihash.code)
}

/**
 * Checks that `bytes` are the whole block `cid` names. Returns `undefined` when they are, else the
 * hex digest they actually have. `cid`'s hash function must be one {@link canVerify} accepts.
 */
export async function mismatch(cid: CID, bytes: Uint8Array): Promise<string | undefined> {
  const digester = DIGESTERS.get(cid.multihash.code)
  if (digester === undefined) throw new Error(`no hasher for multihash code 0x${cid.multihash.code.toString(16)}`)
  const computed = digester(bytes)
  const digest = computed instanceof Uint8Array ? computed : await computed
  const expected = cid.multihash.digest
  // A truncated multihash (shorter digest) is checked on its prefix, as IPFS does.
  if (digest.length >= expected.length && equals(digest.subarray(0, expected.length), expected)) return undefined
  return toHex(digest)
}
