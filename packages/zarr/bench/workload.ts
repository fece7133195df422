/**
 * The benchmarks' workload, shared by @hamt/zarr's and @hamt/zarr-encrypted's: zarrita writing and
 * reading a whole float32 array (`BENCH_MB`, 100 MB by default) in 1 MiB chunks, uncompressed, and a
 * plain Map store as the baseline.
 */
import * as zarr from 'zarrita'

export const MB = Number(process.env.BENCH_MB ?? 100)
export const CHUNK = 512 // 512 x 512 float32 = 1 MiB per chunk
const rows = Math.max(CHUNK, Math.round((MB * 1e6) / 4 / (CHUNK * 8) / CHUNK) * CHUNK)
export const shape = [rows, CHUNK * 8]
export const bytes = rows * CHUNK * 8 * 4
const data = new Float32Array(bytes / 4)
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 100

/** The baseline: zarrita's chunks in a Map, no hashing, no tree. */
export class MapStore implements zarr.AsyncMutable {
  readonly map = new Map<string, Uint8Array>()
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.map.get(key)
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, value)
  }
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
export const mbps = (seconds: number): string => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`

/** Writes the whole array into `store`. */
export async function write(store: zarr.AsyncMutable): Promise<void> {
  const arr = await zarr.create(zarr.root(store).resolve('temp'), {
    shape,
    chunkShape: [CHUNK, CHUNK],
    dtype: 'float32',
    fillValue: 0,
  })
  await zarr.set(arr, null, { data, shape, stride: [shape[1]!, 1] })
}

/** Reads the whole array back from `store`, checking a value. */
export async function readAll(store: zarr.Readable): Promise<void> {
  const arr = await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })
  const out = await zarr.get(arr)
  if ((out.data as Float32Array)[12345] !== data[12345]) throw new Error('read back the wrong data')
}
