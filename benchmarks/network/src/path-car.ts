import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { type IpldPathIo, resolveIpldPath, walkDag } from '../../../tools/test-support/ipld-path.js'
import type { CarBlock } from './car.js'

/** Which blocks a trustless gateway's CAR holds under the path's terminal block (`dag-scope`). */
export type DagScope = 'block' | 'entity' | 'all'

/** Where the gateway finds a block: its bytes, or `undefined` when it has none. */
export type BlockSource = (cid: CID) => Promise<Uint8Array | undefined>

/**
 * The root a CAR's header names when its path did not resolve: the empty identity CID, as boxo sends
 * (the CAR then holds the blocks traversed, which prove the absence to a client that checks them).
 */
export const UNRESOLVED_ROOT = CID.parse('bafkqaaa')

const DAG_CBOR = 0x71

/** The `dag-scope` asked for: the spec's default, `all`, when absent; `undefined` when unknown. */
export function parseDagScope(value: string | null): DagScope | undefined {
  if (value === null) return 'all'
  return value === 'block' || value === 'entity' || value === 'all' ? value : undefined
}

/** What a CAR answer holds: the root its header names and its blocks, in order. */
export interface CarContent {
  root: CID
  blocks: CarBlock[]
}

/**
 * The CAR a trustless gateway answers for `/ipfs/{root}/{segments}` (boxo's semantics): the blocks
 * traversed, the terminal block last, and under `dag-scope=all` every block reachable from the
 * terminal block after it, each once. A path that does not resolve is no error: the blocks traversed
 * so far, under the root {@link UNRESOLVED_ROOT}. `undefined` when the store lacks `root` (a 404).
 *
 * Only DAG-CBOR is pathed through; any other block is opaque (the benchmark's datasets hold
 * DAG-CBOR nodes and raw values), so `entity` is `block` here, as it is for all but UnixFS.
 */
export async function carForPath(
  root: CID,
  segments: readonly string[],
  scope: DagScope,
  getBlock: BlockSource,
): Promise<CarContent | undefined> {
  const io = ipldIo(getBlock)
  const { blocks, resolved } = await resolveIpldPath(root, segments, io)
  const terminal = blocks.at(-1)
  if (terminal === undefined) return undefined
  if (!resolved) return { root: UNRESOLVED_ROOT, blocks }
  if (scope !== 'all') return { root: terminal.cid, blocks }
  // Duplicates are left out, as clients ask (`dups=n`): the DAG below may share blocks with the path.
  const sent = new Set(blocks.map((block) => block.cid.toString()))
  const below = await walkDag(terminal.cid, io, (cid) => cid.toString())
  return { root: terminal.cid, blocks: [...blocks, ...below.filter((block) => !sent.has(block.cid.toString()))] }
}

function ipldIo(getBlock: BlockSource): IpldPathIo<CID> {
  return {
    getBlock,
    decode: (cid, bytes) => (cid.code === DAG_CBOR ? dagCbor.decode(bytes) : bytes),
    asLink: (value) => CID.asCID(value),
  }
}
