import { CID } from '@hamt/core'
import { encryptionTransform, registerXChaCha20Poly1305Codec } from '@hamt/zarr-encrypted'
import { openZarrWithLayout, type ZarrLayout } from '@hamt/zarr-open'
import * as zarr from 'zarrita'
import { abortable } from './abortable.js'
import { ChunkCache } from './chunk-store.js'
import { GatewayReader } from './gateways.js'
import { noteBlock } from './watchdog.js'

/** A variable the viewer can draw: an array over (time, latitude, longitude). */
export interface MapVariable {
  name: string
  dtype: string
  shape: [number, number, number]
  dimensions: [string, string, string]
  attributes: Record<string, unknown>
  /** Chunks one time step's map spans. */
  chunksPerMap: number
  /** Chunks one cell's whole time series spans. */
  chunksPerSeries: number
}

/** A variable's coordinates: cell centres, and the time axis as labels. */
export interface VariableGrid {
  latitude: number[]
  longitude: number[]
  /** Whether row 0 of the data is the northernmost (the latitude coordinate descends). */
  northFirst: boolean
  /** One label per time step: a date when the units say so. */
  times: string[]
}

/** The key of an encrypted dataset, as the person typed it. */
export interface DatasetKey {
  /** What the key decrypts: every value (`store`) or the chunks through the codec (`codec`). */
  kind: 'store' | 'codec'
  encryptionKey: Uint8Array
  /** py-hamt's header (whole-store encryption only; the codec carries its own). */
  header: string
}

/** Progress callbacks and cancellation of one read. */
export interface ReadOptions {
  signal?: AbortSignal
  /** Called once per chunk the read gets; `cached` when no request was needed. */
  onChunk?: (cached: boolean) => void
}

/** A dataset opened from its root CID through one or several gateways. */
export interface ViewerDataset {
  root: CID
  layout: ZarrLayout
  /** Whether a key was needed, and for what. */
  encryption: 'none' | 'store' | 'codec'
  title: string
  summary: string
  /** Other global attributes worth reading (comment, history, source, ...). */
  notes: [string, string][]
  variables: MapVariable[]
  grid(name: string): VariableGrid
  /** One time step's map (rows of `shape[2]` values, in the data's row order). */
  readMap(name: string, t: number, options?: ReadOptions): Promise<Float32Array | Float64Array>
  /** One cell's values at every time step. */
  readSeries(name: string, row: number, col: number, options?: ReadOptions): Promise<Float32Array | Float64Array>
  /**
   * Loads the rest of a HAMT dataset's index (its last level of nodes, when that is small) in the
   * background, so later maps and time series wait for their chunks alone. Called once the first map
   * is drawn: started at open, its requests would queue ahead of the map's on a gateway that speaks
   * HTTP/1.1 (a local Kubo), where a browser opens six connections a host.
   */
  warmIndex(): void
  /** Stops every request in flight. */
  close(): Promise<void>
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

/** The dataset is encrypted and no key was given: the page asks for one. */
export class KeyNeededError extends Error {
  readonly code = 'ERR_KEY_NEEDED'
  constructor(
    /** `store`: everything is encrypted (key and header needed); `codec`: chunks only (key needed). */
    readonly kind: 'store' | 'codec',
    options?: ErrorOptions,
  ) {
    super(
      kind === 'store'
        ? 'the dataset is encrypted (its metadata cannot be read without the key)'
        : 'the dataset’s chunks are encrypted (xchacha20poly1305 codec)',
      options,
    )
    this.name = 'KeyNeededError'
  }
}

/** Steps of opening, for the status line. */
export type OpenStep = 'root' | 'metadata' | 'decoders' | 'coordinates'

/** What {@link openDataset} needs. */
export interface OpenOptions {
  gateways: string[]
  /** A single request's time limit, ms (the next gateway is tried after it). */
  requestTimeoutMs: number
  signal?: AbortSignal
  key?: DatasetKey
  onStep?: (step: OpenStep, detail?: string) => void
}

const CODEC_NAME = 'xchacha20poly1305'
/** zarrita's codecs that are downloaded when first used (WebAssembly): worth a word in the status line. */
/** The most of a HAMT's index that {@link ViewerDataset.warmIndex} loads, in blocks (the store's default). */
const INDEX_BYTES = 1024 * 1024

const DOWNLOADED_CODECS = new Set(['zstd', 'blosc', 'lz4', 'numcodecs.zstd', 'numcodecs.blosc', 'numcodecs.lz4'])

/**
 * Opens the Zarr dataset whose root is `cidText` (a HAMT or a sharded store: `openZarr` tells them
 * apart), reading through the gateways only, every block checked against its CID.
 */
export async function openDataset(cidText: string, options: OpenOptions): Promise<ViewerDataset> {
  const { signal, key, onStep = () => {} } = options
  let root: CID
  try {
    root = CID.parse(cidText.trim())
  } catch {
    throw new NotACidError(cidText.trim())
  }
  const cas = new GatewayReader(options.gateways, { requestTimeoutMs: options.requestTimeoutMs, onBlock: noteBlock })
  // Every request of the dataset follows the caller's signal until opening is done.
  const abort = () => void cas.close()
  signal?.addEventListener('abort', abort, { once: true })
  try {
    onStep('root')
    const transform =
      key?.kind !== 'store' ? undefined : encryptionTransform({ encryptionKey: key.encryptionKey, header: key.header })
    const { layout, store: base } = await abortable(
      // The index is warmed after the first map instead (see warmIndex).
      openZarrWithLayout(cas, root, transform === undefined ? { preloadDepth: 0 } : { preloadDepth: 0, transform }),
      signal,
    )
    onStep('metadata')
    let store: zarr.Readable
    let group: zarr.Group<zarr.Readable>
    try {
      store = await abortable(zarr.withMaybeConsolidatedMetadata(base), signal)
      group = await abortable(zarr.open.v3(zarr.root(store), { kind: 'group' }), signal)
    } catch (error) {
      if (isEncryptedMetadata(error)) {
        if (key?.kind !== 'store') throw new KeyNeededError('store', { cause: error })
      }
      if (hasCode(error, 'ERR_DECRYPTION') || hasCode(error, 'ERR_DECRYPTION', true)) throw error
      if (error instanceof Error && error.name === 'AbortError') throw error
      throw new NotAMapDatasetError(`${root} holds no Zarr v3 group (no readable zarr.json at its root)`)
    }
    const location = zarr.root(store)
    const paths =
      'contents' in store && typeof store.contents === 'function'
        ? (store.contents() as { path: string; kind: string }[])
            .filter((node) => node.kind === 'array')
            .map((node) => node.path)
        : await listArrays(base)

    const variables: MapVariable[] = []
    const arrays = new Map<string, zarr.Array<zarr.DataType, zarr.Readable>>()
    const codecs = new Set<string>()
    for (const path of paths) {
      const array = await abortable(zarr.open.v3(location.resolve(path), { kind: 'array' }), signal)
      for (const name of await codecNames(store, path)) codecs.add(name)
      if (array.shape.length !== 3 || !(array.is('float32') || array.is('float64'))) continue
      const name = path.replace(/^\//, '')
      const dims = (array.dimensionNames ?? ['time', 'latitude', 'longitude']) as [string, string, string]
      const [timeChunk, latChunk, lonChunk] = array.chunks as [number, number, number]
      const [nTime, nLat, nLon] = array.shape as [number, number, number]
      arrays.set(name, array)
      variables.push({
        name,
        dtype: array.dtype,
        shape: [nTime, nLat, nLon],
        dimensions: dims,
        attributes: array.attrs,
        chunksPerMap: Math.ceil(nLat / latChunk) * Math.ceil(nLon / lonChunk),
        chunksPerSeries: Math.ceil(nTime / timeChunk),
      })
    }
    if (variables.length === 0) {
      throw new NotAMapDatasetError(
        `the dataset at ${root} has no float array over three dimensions (time × latitude × longitude) to draw`,
      )
    }
    variables.sort((a, b) => a.name.localeCompare(b.name))
    let encryption: ViewerDataset['encryption'] = transform === undefined ? 'none' : 'store'
    if (codecs.has(CODEC_NAME)) {
      if (key?.kind !== 'codec') throw new KeyNeededError('codec')
      registerXChaCha20Poly1305Codec(key.encryptionKey)
      encryption = 'codec'
    }

    // Decoders (zstd is about 750 KB of WebAssembly) load before the first chunk needs them, so the
    // status line says what the wait is for.
    const loadable = [...codecs].filter((name) => name !== CODEC_NAME && zarr.registry.has(name))
    onStep('decoders', loadable.filter((name) => DOWNLOADED_CODECS.has(name)).join(', '))
    await abortable(Promise.all(loadable.map((name) => zarr.registry.get(name)?.())), signal)

    onStep('coordinates')
    const coordinateNames = new Set(variables.flatMap((v) => v.dimensions))
    const coordinates = new Map<string, { values: number[]; attributes: Record<string, unknown> }>()
    await Promise.all(
      [...coordinateNames].map(async (name) => {
        const array = await zarr.open.v3(location.resolve(name), { kind: 'array' }).catch(() => undefined)
        if (array === undefined || array.shape.length !== 1) return
        const data = (await abortable(zarr.get(array, null, { signal }), signal)).data as ArrayLike<number | bigint>
        coordinates.set(name, { values: Array.from(data, Number), attributes: array.attrs })
      }),
    )

    const grids = new Map<string, VariableGrid>()
    for (const v of variables) {
      const [time, lat, lon] = v.dimensions.map((d) => coordinates.get(d))
      const latitude = lat?.values ?? evenly(v.shape[1], 90, -90)
      const longitude = lon?.values ?? evenly(v.shape[2], -180, 180)
      grids.set(v.name, {
        latitude,
        longitude,
        northFirst: latitude.length < 2 || (latitude[0] as number) > (latitude[latitude.length - 1] as number),
        times: Array.from({ length: v.shape[0] }, (_, t) =>
          time === undefined ? `#${t}` : formatTime(time.values[t], time.attributes.units),
        ),
      })
    }
    signal?.removeEventListener('abort', abort)

    const cache = new ChunkCache(store)
    const reader = async (name: string, read: ReadOptions) => {
      if (!arrays.has(name)) throw new Error(`no variable ${name}`)
      return zarr.open.v3(zarr.root(cache.view(read.onChunk)).resolve(name), { kind: 'array' })
    }
    const attrs = group.attrs as Record<string, unknown>
    return {
      root,
      layout,
      encryption,
      title: text(attrs.title) || root.toString(),
      summary: text(attrs.summary ?? attrs.description ?? attrs.abstract),
      notes: ['comment', 'notes', 'institution', 'source', 'history', 'references', 'Conventions', 'license']
        .filter((name) => text(attrs[name]) !== '')
        .map((name) => [name, text(attrs[name])]),
      variables,
      warmIndex() {
        if ('hamt' in base) base.hamt.preloadIfShallow(INDEX_BYTES).catch(() => undefined)
      },
      grid(name) {
        const grid = grids.get(name)
        if (grid === undefined) throw new Error(`no variable ${name}`)
        return grid
      },
      async readMap(name, t, read = {}) {
        const array = await reader(name, read)
        const result = await zarr.get(array, [t, null, null], read.signal ? { signal: read.signal } : {})
        return result.data as Float32Array | Float64Array
      },
      async readSeries(name, row, col, read = {}) {
        const array = await reader(name, read)
        const result = await zarr.get(array, [null, row, col], read.signal ? { signal: read.signal } : {})
        return result.data as Float32Array | Float64Array
      },
      close: () => cas.close(),
    }
  } catch (error) {
    signal?.removeEventListener('abort', abort)
    await cas.close()
    throw error
  }
}

/** Metadata that is not JSON: encrypted with the whole store (or simply not Zarr). */
function isEncryptedMetadata(error: unknown): boolean {
  return hasCode(error, 'ERR_ZARR_METADATA', true) || error instanceof SyntaxError
}

function hasCode(error: unknown, code: string, deep = false): boolean {
  for (let e: unknown = error, i = 0; e !== undefined && e !== null && i < 10; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === code) return true
    if (!deep) break
    i++
  }
  return false
}

/** The codecs named in an array's metadata, nested ones (inside sharding) included. */
async function codecNames(store: zarr.Readable, path: string): Promise<string[]> {
  const bytes = await store.get(`${path === '/' ? '' : path}/zarr.json` as zarr.AbsolutePath)
  if (bytes === undefined) return []
  const names: string[] = []
  const walk = (codecs: unknown): void => {
    if (!Array.isArray(codecs)) return
    for (const codec of codecs) {
      if (typeof codec?.name === 'string') names.push(codec.name)
      walk(codec?.configuration?.codecs)
      walk(codec?.configuration?.index_codecs)
    }
  }
  walk(JSON.parse(new TextDecoder().decode(bytes)).codecs)
  return names
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : ''
}

function evenly(n: number, from: number, to: number): number[] {
  const step = (to - from) / n
  return Array.from({ length: n }, (_, i) => from + step * (i + 0.5))
}

async function listArrays(store: { list?: () => AsyncIterable<string> }): Promise<string[]> {
  const paths: string[] = []
  if (store.list === undefined) return paths
  for await (const key of store.list()) {
    if (key.endsWith('/zarr.json')) paths.push(`/${key.replace(/^\//, '').slice(0, -'/zarr.json'.length)}`)
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
  return match[1] === 'days' || iso.slice(11, 19) === '00:00:00'
    ? iso.slice(0, 10)
    : `${iso.slice(0, 16).replace('T', ' ')} UTC`
}
