import type { CID, ContentAddressedStore } from '@hamt/core'
import { isShardedRoot, ShardedZarrStore } from '@hamt/zarr-sharded'
import * as dagCbor from '@ipld/dag-cbor'
import { CID as Cid } from 'multiformats/cid'
import { CliError, EXIT } from './exit-codes.js'

/** The layouts a root can have. */
export type Layout = 'hamt' | 'sharded'

/** A slot of a HAMT node: empty, a bucket of keys and value CIDs, or a link to a child node. */
export type Slot = undefined | Map<string, CID> | CID

/** Reads the root block and tells its layout, with the decoded root. */
export async function detectLayout(
  cas: ContentAddressedStore,
  root: CID,
): Promise<{ layout: Layout; decoded: unknown }> {
  const decoded = decodeCbor(root, await cas.load(root))
  if (isShardedRoot(decoded)) return { layout: 'sharded', decoded }
  if (Array.isArray(decoded) && decoded.length === 256) return { layout: 'hamt', decoded }
  throw notADataset(root, 'it is neither a HAMT node (a list of 256 slots) nor a sharded store root')
}

/** The slots of a HAMT node (py-hamt's format: `{}` empty, `{key: CID}` a bucket, `[CID]` a link). */
export function hamtSlots(cid: CID, decoded: unknown): Slot[] {
  if (!Array.isArray(decoded) || decoded.length !== 256)
    throw notADataset(cid, 'a HAMT node is not a list of 256 slots')
  return decoded.map((slot, index): Slot => {
    if (Array.isArray(slot)) {
      const link = slot.length === 1 ? Cid.asCID(slot[0]) : null
      if (link === null) throw notADataset(cid, `slot ${index} is a list but not a link`)
      return link
    }
    if (slot === null || typeof slot !== 'object')
      throw notADataset(cid, `slot ${index} is neither a bucket nor a link`)
    const entries = Object.entries(slot as Record<string, unknown>)
    if (entries.length === 0) return undefined
    const bucket = new Map<string, CID>()
    for (const [key, value] of entries) {
      const pointer = Cid.asCID(value)
      if (pointer === null) throw notADataset(cid, `slot ${index}: the value of ${JSON.stringify(key)} is not a CID`)
      bucket.set(key, pointer)
    }
    return bucket
  })
}

/** Loads and decodes one HAMT node. */
export async function loadHamtNode(cas: ContentAddressedStore, cid: CID): Promise<{ slots: Slot[]; bytes: number }> {
  const bytes = await cas.load(cid)
  return { slots: hamtSlots(cid, decodeCbor(cid, bytes)), bytes: bytes.length }
}

/** Every node of the HAMT under `root` (depth first, children loaded `concurrency` at a time). */
export async function* hamtNodes(
  cas: ContentAddressedStore,
  root: CID,
  concurrency = 16,
): AsyncGenerator<{ cid: CID; depth: number; slots: Slot[]; bytes: number }> {
  const stack: { cid: CID; depth: number }[] = [{ cid: root, depth: 0 }]
  const window: { cid: CID; depth: number; node: Promise<{ slots: Slot[]; bytes: number }> }[] = []
  try {
    while (stack.length > 0 || window.length > 0) {
      while (window.length < concurrency && stack.length > 0) {
        const next = stack.pop() as { cid: CID; depth: number }
        const node = loadHamtNode(cas, next.cid)
        node.catch(() => {})
        window.push({ ...next, node })
      }
      const { cid, depth, node } = window.shift() as (typeof window)[number]
      const { slots, bytes } = await node
      for (let i = slots.length - 1; i >= 0; i--) {
        const slot = slots[i]
        if (slot !== undefined && !(slot instanceof Map)) stack.push({ cid: slot, depth: depth + 1 })
      }
      yield { cid, depth, slots, bytes }
    }
  } finally {
    for (const entry of window) entry.node.catch(() => {})
  }
}

/** Every key of a HAMT with the CID of its value, in tree order. */
export async function* hamtEntries(cas: ContentAddressedStore, root: CID): AsyncGenerator<[string, CID]> {
  for await (const node of hamtNodes(cas, root)) {
    for (const slot of node.slots) if (slot instanceof Map) yield* slot
  }
}

/** Opens a sharded root read-only. */
export function openSharded(cas: ContentAddressedStore, root: CID, decoded: unknown): ShardedZarrStore {
  return ShardedZarrStore.fromRoot(cas, root, decoded)
}

/** Decodes a DAG-CBOR block, or says what the root is not. */
export function decodeCbor(cid: CID, bytes: Uint8Array): unknown {
  try {
    return dagCbor.decode(bytes)
  } catch (cause) {
    throw notADataset(cid, 'the block is not DAG-CBOR', cause)
  }
}

function notADataset(cid: CID, reason: string, cause?: unknown): CliError {
  return new CliError('ERR_LAYOUT', EXIT.data, `${cid.toString()} is not a HAMT or sharded dataset: ${reason}`, {
    cause,
  })
}
