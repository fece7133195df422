import { ZarrMetadataError } from './errors.js'
import { isMetadataKey } from './keys.js'

/** What {@link writeConsolidatedMetadata} needs of a store: any zarrita store of this project has it. */
export interface ConsolidatableStore {
  /** The value stored under `key` (without a leading `/`), or `undefined`. */
  get(key: string): Promise<Uint8Array | undefined>
  /** Stores `value` under `key`. */
  set(key: string, value: Uint8Array): Promise<void>
  /** Every key stored, without a leading `/`. */
  list(): AsyncIterable<string>
}

/** A Zarr v3 node's metadata (`zarr.json`), as far as consolidation needs to know it. */
export interface ZarrNodeMetadata {
  /** Always 3: Zarr v3. */
  zarr_format: 3
  /** Whether the node is a group or an array. */
  node_type: 'group' | 'array'
  [field: string]: unknown
}

/** The root group's `zarr.json` once {@link writeConsolidatedMetadata} has run. */
export interface ConsolidatedRootMetadata extends ZarrNodeMetadata {
  /** The root is a group: only a group consolidates. */
  node_type: 'group'
  /** The metadata of every other node of the dataset, inline (zarr-python's layout). */
  consolidated_metadata: {
    /** Always `inline`: the nodes' metadata is held here, not in another document. */
    kind: 'inline'
    /** `false`: a reader that does not know consolidation may ignore it and read each node. */
    must_understand: false
    /** Every other node's metadata, by path from the root without a leading `/` (`temp`, `a/b`). */
    metadata: Record<string, ZarrNodeMetadata>
  }
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/**
 * Writes the metadata of every node of the dataset into the root group's `zarr.json`, as zarr-python's
 * `consolidate_metadata` does (`consolidated_metadata: { kind: 'inline', ... }`), so opening the
 * dataset with `zarr.withConsolidatedMetadata(store, { format: 'v3' })` is one lookup. Run it after
 * the last change to any node's metadata: later changes are not reflected.
 *
 * @returns the root metadata written.
 * @throws {ZarrMetadataError} when the root is missing, not a group, or a `zarr.json` is not JSON.
 */
export async function writeConsolidatedMetadata(store: ConsolidatableStore): Promise<ConsolidatedRootMetadata> {
  const root = await readNode(store, 'zarr.json')
  if (root === undefined) throw new ZarrMetadataError('zarr.json', 'the dataset has no root zarr.json')
  if (root.node_type !== 'group') {
    throw new ZarrMetadataError('zarr.json', `the root is a ${String(root.node_type)}, only a group can consolidate`)
  }
  const metadataKeys: string[] = []
  for await (const key of store.list()) if (key !== 'zarr.json' && isMetadataKey(key)) metadataKeys.push(key)
  const nodes = await Promise.all(metadataKeys.map((key) => readNode(store, key)))
  const metadata: Record<string, ZarrNodeMetadata> = {}
  metadataKeys.forEach((key, i) => {
    const node = nodes[i]
    if (node === undefined) return
    // Nested groups' own consolidations would only repeat what the root now holds.
    const { consolidated_metadata: _nested, ...rest } = node
    metadata[key.slice(0, -'/zarr.json'.length)] = rest as ZarrNodeMetadata
  })
  const consolidated: ConsolidatedRootMetadata = {
    ...root,
    node_type: 'group',
    consolidated_metadata: { kind: 'inline', must_understand: false, metadata },
  }
  await store.set('/zarr.json', utf8.encode(JSON.stringify(consolidated, null, 2)))
  return consolidated
}

async function readNode(store: ConsolidatableStore, key: string): Promise<ZarrNodeMetadata | undefined> {
  const bytes = await store.get(key)
  if (bytes === undefined) return undefined
  let node: unknown
  try {
    node = JSON.parse(fromUtf8.decode(bytes))
  } catch (cause) {
    throw new ZarrMetadataError(key, `invalid JSON (${(cause as Error).message})`)
  }
  if (node === null || typeof node !== 'object' || (node as ZarrNodeMetadata).zarr_format !== 3) {
    throw new ZarrMetadataError(key, 'not Zarr v3 metadata (zarr_format is not 3)')
  }
  return node as ZarrNodeMetadata
}
