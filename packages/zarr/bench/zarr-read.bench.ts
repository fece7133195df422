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
import { ZarrHAMTStore } from '../src/index.js'
import { bytes, CHUNK, MapStore, mbps, median, readAll, shape, timed, write } from './workload.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)

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
