import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'

/** A node's slot as a test writes it: empty, a bucket of keys to CIDs, or a link. */
export type TestSlot = undefined | Map<string, CID> | CID

/** The same node as @ipld/dag-cbor sees it: `{}`, `{key: CID}`, `[CID]`. */
export function asIpld(slots: readonly TestSlot[]): unknown[] {
  return slots.map((slot) => {
    if (slot === undefined) return {}
    if (slot instanceof Map) {
      const bucket: Record<string, CID> = Object.create(null)
      for (const [key, cid] of slot) bucket[key] = cid
      return bucket
    }
    return [slot]
  })
}

/** A node block with these slots, encoded by @ipld/dag-cbor (the reference, not our encoder). */
export function encodeSlots(slots: readonly TestSlot[]): Uint8Array {
  return dagCbor.encode(asIpld(slots))
}
