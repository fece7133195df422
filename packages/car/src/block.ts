import { blake3Hasher, type CallOptions, type ContentAddressedStore } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { equals, toHex } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { BlockDecodeError, BlockMismatchError, UnsupportedBlockError } from './errors.js'

/** A block: bytes and the CID that names them. */
export interface Block {
  /** The block's CID. */
  cid: CID
  /** The block's bytes, as stored (for a dag-pb CID, the UnixFS node). */
  bytes: Uint8Array
}

/** Multicodec codes of the block formats whose links are followed. */
export const RAW = 0x55
export const DAG_CBOR = 0x71
export const DAG_PB = 0x70
const IDENTITY = identity.code

type Digester = (bytes: Uint8Array) => Promise<Uint8Array>

const DIGESTERS: ReadonlyMap<number, Digester> = new Map<number, Digester>([
  [blake3Hasher.code, async (bytes) => (await blake3Hasher.digest(bytes)).digest],
  [sha256.code, async (bytes) => (await sha256.digest(bytes)).digest],
  [IDENTITY, async (bytes) => bytes],
])

/** Whether a block with this CID holds its bytes in the CID itself (an identity multihash). */
export function isInline(cid: CID): boolean {
  return cid.multihash.code === IDENTITY
}

/**
 * Checks that `bytes` hash to `cid` (BLAKE3-256, SHA2-256 or identity).
 *
 * @throws {UnsupportedBlockError} for another hash function.
 * @throws {BlockMismatchError} when they do not; `where` says where the block came from.
 */
export async function checkBlock(cid: CID, bytes: Uint8Array, where: string): Promise<void> {
  const digester = DIGESTERS.get(cid.multihash.code)
  if (digester === undefined) {
    throw new UnsupportedBlockError(
      cid,
      `its hash function (multihash code 0x${cid.multihash.code.toString(16)}) is not BLAKE3-256, SHA2-256 or identity`,
    )
  }
  const digest = await digester(bytes)
  if (!equals(digest, cid.multihash.digest)) throw new BlockMismatchError(cid, toHex(digest), where)
}

/**
 * The CIDs a block links to, in the order they appear: every CID in a dag-cbor block, the links of a
 * dag-pb node (UnixFS), none for raw bytes.
 *
 * @throws {UnsupportedBlockError} for another codec.
 * @throws {BlockDecodeError} when the bytes do not decode.
 */
export function blockLinks(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW) return []
  try {
    if (cid.code === DAG_CBOR) {
      const links: CID[] = []
      collectLinks(dagCbor.decode<unknown>(bytes), links)
      return links
    }
    if (cid.code === DAG_PB) return dagPb.decode(bytes).Links.map((link) => link.Hash)
  } catch (cause) {
    throw new BlockDecodeError(cid, { cause })
  }
  throw new UnsupportedBlockError(
    cid,
    `its codec (0x${cid.code.toString(16)}) is not raw, dag-cbor or dag-pb, so its links cannot be followed`,
  )
}

function collectLinks(value: unknown, links: CID[]): void {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return
  const cid = CID.asCID(value)
  if (cid !== null) {
    links.push(cid)
    return
  }
  if (Array.isArray(value)) for (const item of value) collectLinks(item, links)
  else for (const item of Object.values(value)) collectLinks(item, links)
}

/** A store that gives one block as stored (`BlockstoreCAS` and `InMemoryCAS` do). */
export interface BlockLoader {
  /** The bytes of the block `cid` names; for a dag-pb CID, the UnixFS node, not the file. */
  loadBlock(cid: CID, options?: CallOptions): Promise<Uint8Array>
}

/**
 * Loads the stored bytes of one block: through the store's `loadBlock` when it has one, else through
 * `load` with the CID relabelled `raw`. A store asked to `load` a dag-pb (UnixFS) CID answers with the
 * file's content, but asked for the same multihash as raw it answers with the block itself; stores
 * key blocks by multihash (Kubo, blockstore-fs, `@hamt/cas-memory`), so the relabelled CID finds the
 * same block. An identity CID's bytes are in the CID.
 */
export async function loadBlock(
  cas: ContentAddressedStore & Partial<BlockLoader>,
  cid: CID,
  options?: CallOptions,
): Promise<Uint8Array> {
  if (isInline(cid)) return cid.multihash.digest
  if (typeof cas.loadBlock === 'function') return cas.loadBlock(cid, options)
  const raw = cid.code === RAW && cid.version === 1 ? cid : CID.createV1(RAW, cid.multihash)
  return cas.load(raw, undefined, options)
}
