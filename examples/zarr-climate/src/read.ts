import * as zarr from 'zarrita'

/** A read-only zarrita store: what {@link openClimateDataset} needs. */
export type ReadableStore = zarr.AsyncReadable

/** An opened dataset: coordinates loaded, variables ready to read. */
export interface OpenedDataset {
  attributes: Record<string, unknown>
  /** Names of the arrays over (time, latitude, longitude). */
  variables: string[]
  time: BigInt64Array
  latitude: Float64Array
  longitude: Float64Array
  /** Opens a variable's array. */
  variable(name: string): Promise<zarr.Array<'float32', zarr.Readable>>
}

/**
 * Opens the dataset from its consolidated metadata (one read for every node's metadata) and loads
 * the coordinates.
 */
export async function openClimateDataset(store: ReadableStore): Promise<OpenedDataset> {
  const consolidated = await zarr.withConsolidatedMetadata(store, { format: 'v3' })
  const root = zarr.root(consolidated)
  const group = await zarr.open(root, { kind: 'group' })
  const variables: string[] = []
  for (const { path, kind } of consolidated.contents()) {
    if (kind !== 'array') continue
    const array = await zarr.open(root.resolve(path), { kind: 'array' })
    if (array.shape.length === 3) variables.push(path.slice(1))
  }
  const coordinate = async (name: string) =>
    (await zarr.get(await zarr.open(root.resolve(name), { kind: 'array' }))).data
  const [time, latitude, longitude] = await Promise.all(['time', 'latitude', 'longitude'].map(coordinate))
  return {
    attributes: group.attrs,
    variables: variables.sort(),
    time: time as BigInt64Array,
    latitude: latitude as Float64Array,
    longitude: longitude as Float64Array,
    async variable(name) {
      const array = await zarr.open(root.resolve(name), { kind: 'array' })
      if (!array.is('float32')) throw new TypeError(`${name} is ${array.dtype}, expected float32`)
      return array
    },
  }
}

/** The values of `array` at one cell over all of time, read one time chunk at a time. */
export async function readSeries(
  array: zarr.Array<'float32', zarr.Readable>,
  iLat: number,
  iLon: number,
  onChunk?: () => void,
): Promise<Float32Array> {
  const [days] = array.shape as [number]
  const [step] = array.chunks as [number]
  const out = new Float32Array(days)
  for (let t0 = 0; t0 < days; t0 += step) {
    const t1 = Math.min(days, t0 + step)
    const part = await zarr.get(array, [zarr.slice(t0, t1), iLat, iLon])
    out.set(part.data as Float32Array, t0)
    onChunk?.()
  }
  return out
}

/** The map of `array` on day index `t`. */
export async function readMap(array: zarr.Array<'float32', zarr.Readable>, t: number): Promise<Float32Array> {
  return (await zarr.get(array, [t, null, null])).data as Float32Array
}

/**
 * Reads every value of `array`, one slab of time chunks at a time, and returns the area-weighted
 * mean of each slab's days grouped by `groupOf(day)` (e.g. the year).
 */
export async function groupedAreaMeans(
  array: zarr.Array<'float32', zarr.Readable>,
  latitude: Float64Array,
  groupOf: (day: number) => string,
  onSlab?: (bytes: number) => void,
): Promise<Map<string, number>> {
  const [days, nLat, nLon] = array.shape as [number, number, number]
  const [step] = array.chunks as [number]
  const sums = new Map<string, { weighted: number; weights: number }>()
  const weights = Float64Array.from(latitude, (lat) => Math.cos((lat * Math.PI) / 180))
  for (let t0 = 0; t0 < days; t0 += step) {
    const t1 = Math.min(days, t0 + step)
    const data = (await zarr.get(array, [zarr.slice(t0, t1), null, null])).data as Float32Array
    for (let t = t0; t < t1; t++) {
      const group = groupOf(t)
      const acc = sums.get(group) ?? { weighted: 0, weights: 0 }
      const base = (t - t0) * nLat * nLon
      for (let i = 0; i < nLat; i++) {
        const w = weights[i] as number
        for (let j = 0; j < nLon; j++) {
          acc.weighted += w * (data[base + i * nLon + j] as number)
          acc.weights += w
        }
      }
      sums.set(group, acc)
    }
    onSlab?.(data.byteLength)
  }
  return new Map([...sums].map(([group, { weighted, weights: w }]) => [group, weighted / w]))
}

/** Index of the value in `values` nearest to `target`. */
export function nearestIndex(values: ArrayLike<number>, target: number): number {
  let best = 0
  for (let i = 1; i < values.length; i++) {
    if (Math.abs((values[i] as number) - target) < Math.abs((values[best] as number) - target)) best = i
  }
  return best
}
