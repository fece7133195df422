/**
 * zarrita reading and writing a whole float32 array (100 MB by default, 1 MB chunks, uncompressed)
 * through ZarrHAMTStore on the in-memory CAS, against the same zarrita work on a plain Map store in
 * the same run. Writing is compared with BLAKE3 hashing the same bytes: the floor of any
 * content-addressed write.
 *
 *   pnpm --filter @hamt/zarr bench
 *   BENCH_MB=20 pnpm --filter @hamt/zarr bench
 *
 * Targets: read time at most 1.3x the Map store's; write speed at least half the hashing speed.
 */

import { InMemoryCAS } from '@hamt/cas-memory'
import { blake3Hasher, HAMT } from '@hamt/core'
import * as zarr from 'zarrita'
import { ZarrHAMTStore } from '../src/index.js'

const MB = Number(process.env.BENCH_MB ?? 100)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const CHUNK = 512 // 512 x 512 float32 = 1 MiB per chunk
const rows = Math.max(CHUNK, Math.round((MB * 1e6) / 4 / (CHUNK * 8) / CHUNK) * CHUNK)
const shape = [rows, CHUNK * 8]
const bytes = shape[0]! * shape[1]! * 4
const data = new Float32Array(bytes / 4)
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 100

class MapStore implements zarr.AsyncMutable {
  readonly map = new Map<string, Uint8Array>()
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.map.get(key)
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, value)
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mbps = (seconds: number): string => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`

async function write(store: zarr.AsyncMutable): Promise<void> {
  const arr = await zarr.create(zarr.root(store).resolve('temp'), {
    shape,
    chunkShape: [CHUNK, CHUNK],
    dtype: 'float32',
    fillValue: 0,
  })
  await zarr.set(arr, null, { data, shape, stride: [shape[1]!, 1] })
}

async function readAll(store: zarr.Readable): Promise<void> {
  const arr = await zarr.open.v3(zarr.root(store).resolve('temp'), { kind: 'array' })
  const out = await zarr.get(arr)
  if ((out.data as Float32Array)[12345] !== data[12345]) throw new Error('read back the wrong data')
}

console.log(
  `zarrita, ${(bytes / 1e6).toFixed(0)} MB float32 ${shape.join('x')}, chunks ${CHUNK}x${CHUNK} (1 MiB), median of ${RUNS}`,
)

// Writing.
const writeMap: number[] = []
const writeHamt: number[] = []
const hashing: number[] = []
let mapStore = new MapStore()
let cas = new InMemoryCAS()
let root = undefined as unknown as Awaited<ReturnType<ZarrHAMTStore['commit']>>
for (let run = 0; run < RUNS; run++) {
  mapStore = new MapStore()
  writeMap.push(await timed(() => write(mapStore)))
  cas = new InMemoryCAS()
  const store = new ZarrHAMTStore(await HAMT.build({ cas, valuesAreBytes: true }))
  writeHamt.push(
    await timed(async () => {
      await write(store)
      root = await store.commit()
    }),
  )
  const chunks = [...mapStore.map.values()]
  hashing.push(
    await timed(async () => {
      for (const chunk of chunks) await blake3Hasher.digest(chunk)
    }),
  )
}
const w = median(writeHamt)
const h = median(hashing)
console.log(`write  Map store       ${mbps(median(writeMap))}`)
console.log(`write  ZarrHAMTStore   ${mbps(w)}`)
console.log(`hash   BLAKE3 (floor)  ${mbps(h)}`)
console.log(`write speed / hashing speed: ${(h / w).toFixed(2)} (target >= 0.5)`)

// Reading.
const readMap: number[] = []
const readHamt: number[] = []
for (let run = 0; run < RUNS; run++) {
  readMap.push(await timed(() => readAll(mapStore)))
  const store = new ZarrHAMTStore(await HAMT.build({ cas, rootNodeId: root, readOnly: true, valuesAreBytes: true }))
  readHamt.push(await timed(() => readAll(store)))
}
const rm = median(readMap)
const rh = median(readHamt)
console.log(`read   Map store       ${mbps(rm)}`)
console.log(`read   ZarrHAMTStore   ${mbps(rh)}`)
console.log(`read time ZarrHAMTStore / Map store: ${(rh / rm).toFixed(2)} (target <= 1.3)`)
