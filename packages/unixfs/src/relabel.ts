import { blake3Cid, blake3Hasher, type CallOptions } from '@hamt/core'
import * as dagPb from '@ipld/dag-pb'
import { base64 } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { type BlockWriter, concatChunks } from './blocks.js'
import { DAG_PB } from './settings.js'

const RAW = 0x55

/**
 * A block sink for ipfs-unixfs-importer that turns its SHA2-256 DAG into the same DAG under BLAKE3.
 *
 * Why: since version 13 the importer hashes every block with SHA2-256 and takes no hasher, while
 * Kubo with `hash=blake3` hashes every block (leaves and nodes) with BLAKE3. The importer still does
 * what must match Kubo byte for byte (chunking, balanced layout, UnixFS metadata, link sizes), so
 * its blocks are relabelled here: a leaf gets its BLAKE3 CID; a node gets its links' BLAKE3 CIDs and
 * then its own. A parent is always written after its children (it needs their CIDs), so each link
 * is already known. The two CIDs have the same length (CIDv1, 32-byte digest), so node sizes and the
 * importer's `Tsize`s stay right; a node whose size would change is refused.
 */
export class Blake3Relabeller {
  readonly #target: BlockWriter
  readonly #options: CallOptions | undefined
  readonly #relabelled = new Map<string, CID>()

  constructor(target: BlockWriter, options?: CallOptions) {
    this.#target = target
    this.#options = options
  }

  /** The importer's `put`: stores the relabelled block, returns the importer's own CID. */
  async put(cid: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> {
    const bytes = value instanceof Uint8Array ? value : await collect(value)
    let relabelled: CID
    let block = bytes
    if (cid.code === RAW) {
      relabelled = blake3Cid(bytes, 'raw')
    } else if (cid.code === DAG_PB) {
      const node = dagPb.decode(bytes)
      block = dagPb.encode({ ...node, Links: node.Links.map((link) => ({ ...link, Hash: this.resolve(link.Hash) })) })
      if (block.length !== bytes.length) {
        throw new Error(`relabelling changed the size of node ${cid.toString()} (${bytes.length} → ${block.length})`)
      }
      relabelled = CID.createV1(DAG_PB, await blake3Hasher.digest(block))
    } else {
      throw new Error(`unexpected block codec 0x${cid.code.toString(16)} from the importer`)
    }
    this.#relabelled.set(key(cid), relabelled)
    await this.#target.putBlock(relabelled, block, this.#options)
    return cid
  }

  /** The BLAKE3 CID of a block the importer wrote under `cid`. */
  resolve(cid: CID): CID {
    const relabelled = this.#relabelled.get(key(cid))
    if (relabelled === undefined) throw new Error(`the importer linked to ${cid.toString()} before writing it`)
    return relabelled
  }
}

function key(cid: CID): string {
  return base64.baseEncode(cid.multihash.bytes)
}

async function collect(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return concatChunks(chunks)
}
