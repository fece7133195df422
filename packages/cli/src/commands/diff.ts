import { blake3Cid, type CID, type ContentAddressedStore } from '@hamt/core'
import { chunkKey } from '@hamt/zarr-sharded'
import { CID as Cid } from 'multiformats/cid'
import type { Command, Context } from '../context.js'
import { decodeCbor, detectLayout, hamtEntries, loadHamtNode, openSharded, type Slot } from '../dataset.js'
import { expectArguments, rootArgument } from '../main.js'
import { printJson, printLines } from './output.js'

/** Keys that differ between two roots. */
export interface Difference {
  added: { key: string; cid: CID }[]
  removed: { key: string; cid: CID }[]
  changed: { key: string; from: CID; to: CID }[]
  /** HAMT nodes (or shards) read: only those under slots (or shard lists) whose CIDs differ. */
  nodesLoaded: number
}

export const diff: Command = {
  name: 'diff',
  summary: 'keys added, removed and changed between two roots',
  args: 'ROOT_A ROOT_B',
  details:
    'Between two HAMTs, only subtrees whose CIDs differ are read: a one-key change in a million-key\n' +
    'dataset reads a handful of nodes. Between two sharded (v2) roots with the same array shapes, only\n' +
    'shards whose CIDs differ are read. Otherwise (HAMT against sharded, a reshaped array) keys are\n' +
    'compared one by one, reading every value.\n' +
    'Prints "+ key", "- key", "~ key" (sorted by key); exit code 0 whether or not they differ.',
  options: {},
  writes: false,
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
  if (left.layout === 'sharded' && right.layout === 'sharded') {
    const a2 = v2Manifest(left.decoded)
    const b2 = v2Manifest(right.decoded)
    if (a2 !== undefined && b2 !== undefined && sameGeometry(a2, b2)) {
      await diffSharded(store, a2, b2, result, context)
      return result
    }
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

/** The parts of a `sharded_zarr_v2` root a diff needs. */
interface V2Manifest {
  metadata: Map<string, CID>
  arrays: Map<string, { shape: number[]; chunkShape: number[]; chunksPerShard: number; shards: (CID | null)[] }>
}

function v2Manifest(decoded: unknown): V2Manifest | undefined {
  const root = decoded as {
    manifest_version?: unknown
    metadata?: Record<string, unknown>
    arrays?: Record<string, unknown>
  }
  if (root.manifest_version !== 'sharded_zarr_v2' || root.metadata === undefined || root.arrays === undefined)
    return undefined
  const metadata = new Map<string, CID>()
  for (const [key, value] of Object.entries(root.metadata)) {
    const cid = Cid.asCID(value)
    if (cid === null) return undefined
    metadata.set(key, cid)
  }
  const arrays: V2Manifest['arrays'] = new Map()
  for (const [path, value] of Object.entries(root.arrays)) {
    const array = value as {
      array_shape?: number[]
      chunk_shape?: number[]
      sharding_config?: { chunks_per_shard?: number }
      shard_cids?: unknown[]
    }
    const chunksPerShard = array.sharding_config?.chunks_per_shard
    if (!Array.isArray(array.array_shape) || !Array.isArray(array.chunk_shape) || typeof chunksPerShard !== 'number')
      return undefined
    const shards = (array.shard_cids ?? []).map((entry) => Cid.asCID(entry))
    arrays.set(path.replace(/^\/+|\/+$/g, ''), {
      shape: array.array_shape,
      chunkShape: array.chunk_shape,
      chunksPerShard,
      shards,
    })
  }
  return { metadata, arrays }
}

/** Same arrays with the same shapes and sharding: shard `n` holds the same chunks on both sides. */
function sameGeometry(a: V2Manifest, b: V2Manifest): boolean {
  for (const [path, x] of a.arrays) {
    const y = b.arrays.get(path)
    if (y === undefined) continue
    if (String(x.shape) !== String(y.shape) || String(x.chunkShape) !== String(y.chunkShape)) return false
    if (x.chunksPerShard !== y.chunksPerShard) return false
  }
  return true
}

/** Compares two sharded roots: their metadata maps, then only the shards whose CIDs differ. */
async function diffSharded(
  store: ContentAddressedStore,
  a: V2Manifest,
  b: V2Manifest,
  result: Difference,
  context: Context,
): Promise<void> {
  compareMaps(a.metadata, b.metadata, result)
  for (const path of new Set([...a.arrays.keys(), ...b.arrays.keys()])) {
    const x = a.arrays.get(path)
    const y = b.arrays.get(path)
    const geometry = (x ?? y) as NonNullable<typeof x>
    const chunksPerDim = geometry.shape.map((size, i) => Math.ceil(size / (geometry.chunkShape[i] as number)))
    const count = Math.max(x?.shards.length ?? 0, y?.shards.length ?? 0)
    for (let n = 0; n < count; n++) {
      const left = x?.shards[n] ?? null
      const right = y?.shards[n] ?? null
      if (left === null && right === null) continue
      if (left !== null && right !== null && left.equals(right)) continue
      const [from, to] = await Promise.all([shardEntries(store, left, result), shardEntries(store, right, result)])
      context.progress.update('shards compared', result.nodesLoaded)
      const keyed = (entries: (CID | null)[]): Map<string, CID> => {
        const map = new Map<string, CID>()
        entries.forEach((cid, i) => {
          if (cid !== null) map.set(chunkKey(path, unravel(n * geometry.chunksPerShard + i, chunksPerDim)), cid)
        })
        return map
      }
      compareMaps(keyed(from), keyed(to), result)
    }
  }
}

async function shardEntries(
  store: ContentAddressedStore,
  cid: CID | null,
  result: Difference,
): Promise<(CID | null)[]> {
  if (cid === null) return []
  result.nodesLoaded++
  const decoded = decodeCbor(cid, await store.load(cid))
  return Array.isArray(decoded) ? decoded.map((entry) => Cid.asCID(entry)) : []
}

/** Row-major coordinates of chunk `linear` in a grid of `dims`. */
function unravel(linear: number, dims: readonly number[]): number[] {
  const coords = new Array<number>(dims.length).fill(0)
  let rest = linear
  for (let i = dims.length - 1; i >= 0; i--) {
    const size = dims[i] as number
    coords[i] = rest % size
    rest = Math.floor(rest / size)
  }
  return coords
}
