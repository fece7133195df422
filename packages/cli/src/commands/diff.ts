import { blake3Cid, type CID, type ContentAddressedStore } from '@hamt/core'
import type { Command, Context } from '../context.js'
import { detectLayout, hamtEntries, loadHamtNode, openSharded, type Slot } from '../dataset.js'
import { expectArguments, rootArgument } from '../main.js'
import { printJson, printLines } from './output.js'

/** Keys that differ between two roots. */
export interface Difference {
  added: { key: string; cid: CID }[]
  removed: { key: string; cid: CID }[]
  changed: { key: string; from: CID; to: CID }[]
  /** HAMT nodes read: only those under slots whose CIDs differ. */
  nodesLoaded: number
}

export const diff: Command = {
  name: 'diff',
  summary: 'keys added, removed and changed between two roots',
  args: 'ROOT_A ROOT_B',
  details:
    'Between two HAMTs, only subtrees whose CIDs differ are read: a one-key change in a million-key\n' +
    'dataset reads a handful of nodes. A sharded root is compared key by key (every value is read).\n' +
    'Prints "+ key", "- key", "~ key" (sorted by key); exit code 0 whether or not they differ.',
  options: {},
  writes: false,
  needsStore: true,
  async run(context) {
    expectArguments(context, 2, 2)
    const a = rootArgument(context, 0, 'ROOT_A')
    const b = rootArgument(context, 1, 'ROOT_B')
    const result = await compare(context, a, b)
    const byKey = <T extends { key: string }>(list: T[]): T[] =>
      list.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    byKey(result.added)
    byKey(result.removed)
    byKey(result.changed)
    if (context.json) printJson(context, result)
    else {
      const lines = [
        ...result.removed.map(({ key }) => ({ key, line: `- ${key}` })),
        ...result.added.map(({ key }) => ({ key, line: `+ ${key}` })),
        ...result.changed.map(({ key }) => ({ key, line: `~ ${key}` })),
      ]
      printLines(
        context,
        byKey(lines).map(({ line }) => line),
      )
    }
    return 0
  },
}

async function compare(context: Context, a: CID, b: CID): Promise<Difference> {
  const { store } = context
  const result: Difference = { added: [], removed: [], changed: [], nodesLoaded: 0 }
  if (a.equals(b)) return result
  const [left, right] = await Promise.all([detectLayout(store, a), detectLayout(store, b)])
  if (left.layout === 'hamt' && right.layout === 'hamt') {
    await diffNodes(store, a, b, result, context)
    return result
  }
  const [from, to] = await Promise.all([
    valueIds(store, a, left.layout, left.decoded),
    valueIds(store, b, right.layout, right.decoded),
  ])
  compareMaps(from, to, result)
  return result
}

/** Compares two HAMT nodes at the same place, descending only where slot CIDs differ. */
async function diffNodes(
  store: ContentAddressedStore,
  a: CID,
  b: CID,
  result: Difference,
  context: Context,
): Promise<void> {
  const [left, right] = await Promise.all([loadHamtNode(store, a), loadHamtNode(store, b)])
  result.nodesLoaded += 2
  context.progress.update('nodes compared', result.nodesLoaded)
  const descents: Promise<void>[] = []
  for (let index = 0; index < left.slots.length; index++) {
    const x = left.slots[index]
    const y = right.slots[index]
    if (x === undefined && y === undefined) continue
    if (isLink(x) && isLink(y)) {
      if (!x.equals(y)) descents.push(diffNodes(store, x, y, result, context))
      continue
    }
    // A bucket on one side (or nothing) and anything on the other: the keys of this slot on both sides.
    descents.push(
      Promise.all([slotEntries(store, x, result), slotEntries(store, y, result)]).then(([from, to]) =>
        compareMaps(from, to, result),
      ),
    )
  }
  await Promise.all(descents)
}

function isLink(slot: Slot): slot is CID {
  return slot !== undefined && !(slot instanceof Map)
}

async function slotEntries(store: ContentAddressedStore, slot: Slot, result: Difference): Promise<Map<string, CID>> {
  if (slot === undefined) return new Map()
  if (slot instanceof Map) return slot
  const entries = new Map<string, CID>()
  for await (const [key, cid] of hamtEntries(store, slot)) entries.set(key, cid)
  result.nodesLoaded++
  return entries
}

/** Every key of a root with an identity for its value: the value's CID (HAMT), or the CID of its bytes (sharded). */
async function valueIds(
  store: ContentAddressedStore,
  root: CID,
  layout: 'hamt' | 'sharded',
  decoded: unknown,
): Promise<Map<string, CID>> {
  const ids = new Map<string, CID>()
  if (layout === 'hamt') {
    for await (const [key, cid] of hamtEntries(store, root)) ids.set(key, cid)
    return ids
  }
  const sharded = openSharded(store, root, decoded)
  for await (const key of sharded.list()) {
    const value = await sharded.get(key)
    if (value !== undefined) ids.set(key, blake3Cid(value, 'raw'))
  }
  return ids
}

function compareMaps(from: Map<string, CID>, to: Map<string, CID>, result: Difference): void {
  for (const [key, cid] of from) {
    const other = to.get(key)
    if (other === undefined) result.removed.push({ key, cid })
    else if (!sameValue(cid, other)) result.changed.push({ key, from: cid, to: other })
  }
  for (const [key, cid] of to) if (!from.has(key)) result.added.push({ key, cid })
}

/** Same bytes whatever the CID's codec label. */
function sameValue(a: CID, b: CID): boolean {
  const x = a.multihash.bytes
  const y = b.multihash.bytes
  return x.length === y.length && x.every((byte, i) => byte === y[i])
}
