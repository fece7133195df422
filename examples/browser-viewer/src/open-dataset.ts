import { KuboCAS } from '@hamt/cas-kubo'
import { CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import * as zarr from 'zarrita'

/** A variable the viewer can draw: an array over (time, latitude, longitude). */
export interface MapVariable {
  name: string
  dtype: string
  shape: [number, number, number]
  dimensions: [string, string, string]
  attributes: Record<string, unknown>
  /** Chunks one time step's map spans. */
  chunksPerMap: number
}

/** A dataset opened from a HAMT root through a gateway. */
export interface ViewerDataset {
  root: CID
  title: string
  variables: MapVariable[]
  /** Reads a variable's map at time index `t` (rows of `shape[2]` values); `onChunk` counts chunk reads. */
  readMap(name: string, t: number, onChunk?: () => void): Promise<Float32Array | Float64Array>
  /** The label of time index `t` of a variable's time dimension (a date when the units say so). */
  timeLabel(name: string, t: number): Promise<string>
  /** Whether row 0 of a variable's maps is the northernmost (its latitude coordinate descends). */
  northFirst(name: string): Promise<boolean>
}

/** The root CID field holds no CID. */
export class NotACidError extends Error {
  readonly code = 'ERR_NOT_A_CID'
  constructor(text: string) {
    super(`“${text}” is not a CID`)
    this.name = 'NotACidError'
  }
}

/** The dataset holds nothing the viewer can draw. */
export class NotAMapDatasetError extends Error {
  readonly code = 'ERR_NOTHING_TO_DRAW'
  constructor(reason: string) {
    super(reason)
    this.name = 'NotAMapDatasetError'
  }
}

/** Steps of opening, for a progress display. */
export type OpenStep = 'root' | 'metadata' | 'coordinates'

/**
 * Opens the Zarr dataset whose HAMT root is `cidText`, reading through the gateway at `gatewayUrl`
 * only, with every block checked against its CID (trustless mode).
 */
export async function openDataset(
  gatewayUrl: string,
  cidText: string,
  onStep: (step: OpenStep) => void = () => {},
): Promise<ViewerDataset> {
  let root: CID
  try {
    root = CID.parse(cidText.trim())
  } catch {
    throw new NotACidError(cidText.trim())
  }
  // A page gives up sooner than a batch job: one retry, and a short timeout.
  const cas = new KuboCAS({
    gatewayBaseUrl: gatewayUrl,
    trustless: true,
    maxRetries: 1,
    initialDelayMs: 300,
    timeoutMs: 20_000,
  })
  onStep('root')
  const hamt = await HAMT.build<Uint8Array>({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true })
  // The first lookup loads the root node: a wrong CID fails here, before any Zarr is involved.
  await hamt.has('zarr.json')
  onStep('metadata')
  const hamtStore = new ZarrHAMTStore(hamt)
  const store = await zarr.withMaybeConsolidatedMetadata(hamtStore)
  const location = zarr.root(store)
  const group = await zarr.open(location, { kind: 'group' }).catch(() => {
    throw new NotAMapDatasetError(`${root} holds no Zarr v3 group (no zarr.json at its root)`)
  })
  const paths =
    'contents' in store
      ? store
          .contents()
          .filter((node) => node.kind === 'array')
          .map((node) => node.path)
      : await listArrays(hamtStore)
  const variables: MapVariable[] = []
  const arrays = new Map<string, zarr.Array<zarr.DataType, zarr.Readable>>()
  for (const path of paths) {
    const array = await zarr.open(location.resolve(path), { kind: 'array' })
    if (array.shape.length !== 3 || !(array.is('float32') || array.is('float64'))) continue
    const name = path.replace(/^\//, '')
    const dims = (array.dimensionNames ?? ['time', 'latitude', 'longitude']) as [string, string, string]
    const [, latChunk, lonChunk] = array.chunks as [number, number, number]
    const [, nLat, nLon] = array.shape as [number, number, number]
    arrays.set(name, array)
    variables.push({
      name,
      dtype: array.dtype,
      shape: array.shape as [number, number, number],
      dimensions: dims,
      attributes: array.attrs,
      chunksPerMap: Math.ceil(nLat / latChunk) * Math.ceil(nLon / lonChunk),
    })
  }
  if (variables.length === 0) {
    throw new NotAMapDatasetError(
      `the dataset at ${root} has no float array over three dimensions (time × latitude × longitude) to draw`,
    )
  }
  variables.sort((a, b) => a.name.localeCompare(b.name))

  onStep('coordinates')
  const coordinates = new Map<
    string,
    Promise<{ values: ArrayLike<number | bigint>; attributes: Record<string, unknown> } | undefined>
  >()
  const coordinate = (name: string) => {
    let loading = coordinates.get(name)
    if (loading === undefined) {
      loading = zarr
        .open(location.resolve(name), { kind: 'array' })
        .then(async (array) => ({
          values: (await zarr.get(array)).data as ArrayLike<number | bigint>,
          attributes: array.attrs,
        }))
        .catch(() => undefined)
      coordinates.set(name, loading)
    }
    return loading
  }
  const variable = (name: string): MapVariable => {
    const found = variables.find((v) => v.name === name)
    if (found === undefined) throw new Error(`no variable ${name}`)
    return found
  }
  await Promise.all(variables.flatMap((v) => [coordinate(v.dimensions[0]), coordinate(v.dimensions[1])]))

  return {
    root,
    title: String(group.attrs.title ?? root.toString()),
    variables,
    async readMap(name, t, onChunk) {
      const array = arrays.get(name)
      if (array === undefined) throw new Error(`no variable ${name}`)
      // Count the chunk reads of this one map for the progress bar.
      const counted = counting(hamtStore, onChunk)
      const reader = await zarr.open(zarr.root(counted).resolve(name), { kind: 'array' })
      const result = await zarr.get(reader, [t, null, null])
      return result.data as Float32Array | Float64Array
    },
    async timeLabel(name, t) {
      const time = await coordinate(variable(name).dimensions[0])
      if (time === undefined) return `#${t}`
      return formatTime(time.values[t], time.attributes.units)
    },
    async northFirst(name) {
      const lat = await coordinate(variable(name).dimensions[1])
      if (lat === undefined || lat.values.length < 2) return true
      return Number(lat.values[0]) > Number(lat.values[lat.values.length - 1])
    },
  }
}

/** A store that reports each chunk read (metadata reads are not counted). */
function counting(store: ZarrHAMTStore, onChunk?: () => void): zarr.AsyncReadable {
  return {
    async get(key, options) {
      const value = await store.get(key, options)
      if (!key.endsWith('zarr.json')) onChunk?.()
      return value
    },
    getRange: (key, range, options) => store.getRange(key, range, options),
  }
}

async function listArrays(store: ZarrHAMTStore): Promise<string[]> {
  const paths: string[] = []
  for await (const key of store.list()) {
    if (key.endsWith('/zarr.json')) paths.push(`/${key.slice(0, -'/zarr.json'.length)}`)
  }
  return paths
}

const UNITS_MS: Record<string, number> = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000 }

/** A CF time value (`<units> since <date>`) as an ISO date or date-time; the raw number otherwise. */
export function formatTime(value: number | bigint | undefined, units: unknown): string {
  if (value === undefined) return '?'
  const match =
    typeof units === 'string'
      ? /^(days|hours|minutes|seconds) since (\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?/.exec(units)
      : null
  if (match === null) return String(value)
  const epoch = Date.parse(`${match[2]}T${match[3] ?? '00:00:00'}Z`)
  const date = new Date(epoch + Number(value) * (UNITS_MS[match[1] as string] as number))
  const iso = date.toISOString()
  return match[1] === 'days' ? iso.slice(0, 10) : `${iso.slice(0, 16).replace('T', ' ')} UTC`
}
