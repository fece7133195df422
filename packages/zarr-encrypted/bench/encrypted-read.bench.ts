/**
 * zarrita reading a whole float32 array (100 MB by default, 1 MiB chunks, uncompressed) through
 * SimpleEncryptedZarrHAMTStore on the in-memory CAS, against the same read from a plain Map store
 * and through the plain ZarrHAMTStore, in the same run. Every chunk is decrypted on the way: the
 * ratio shows what XChaCha20-Poly1305 costs.
 *
 *   pnpm --filter @hamt/zarr-encrypted bench
 *   BENCH_MB=20 pnpm --filter @hamt/zarr-encrypted bench
 */

import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import * as zarr from 'zarrita'
import { SimpleEncryptedZarrHAMTStore } from '../src/index.js'

const MB = Number(process.env.BENCH_MB ?? 100)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const CHUNK = 512
const rows = Math.max(CHUNK, Math.round((MB * 1e6) / 4 / (CHUNK * 8) / CHUNK) * CHUNK)
const shape = [rows, CHUNK * 8]
const bytes = shape[0]! * shape[1]! * 4
const data = new Float32Array(bytes / 4)
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 100
const encryptionKey = crypto.getRandomValues(new Uint8Array(32))
const header = 'fully-encrypted-zarr'

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

async function written(encrypted: boolean): Promise<{ cas: InMemoryCAS; root: CID; seconds: number }> {
  const cas = new InMemoryCAS()
  const hamt = await HAMT.build({ cas, valuesAreBytes: true })
  const store = encrypted ? new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey, header }) : new ZarrHAMTStore(hamt)
  let root: CID | undefined
  const seconds = await timed(async () => {
    await write(store)
    root = await store.commit()
  })
  return { cas, root: root as CID, seconds }
}

console.log(
  `zarrita, ${(bytes / 1e6).toFixed(0)} MB float32 ${shape.join('x')}, chunks ${CHUNK}x${CHUNK} (1 MiB), median of ${RUNS}`,
)
const mapStore = new MapStore()
await write(mapStore)
const plain = await written(false)
const secret = await written(true)
console.log(`write  ZarrHAMTStore                 ${mbps(plain.seconds)}`)
console.log(`write  SimpleEncryptedZarrHAMTStore  ${mbps(secret.seconds)}`)

const readMap: number[] = []
const readPlain: number[] = []
const readSecret: number[] = []
for (let run = 0; run < RUNS; run++) {
  readMap.push(await timed(() => readAll(mapStore)))
  const p = new ZarrHAMTStore(
    await HAMT.build({ cas: plain.cas, rootNodeId: plain.root, readOnly: true, valuesAreBytes: true }),
  )
  readPlain.push(await timed(() => readAll(p)))
  const hamt = await HAMT.build({ cas: secret.cas, rootNodeId: secret.root, readOnly: true, valuesAreBytes: true })
  const s = new SimpleEncryptedZarrHAMTStore(hamt, { encryptionKey, header })
  readSecret.push(await timed(() => readAll(s)))
}
const m = median(readMap)
console.log(`read   Map store                     ${mbps(m)}`)
console.log(
  `read   ZarrHAMTStore                 ${mbps(median(readPlain))}  ratio ${(median(readPlain) / m).toFixed(2)}`,
)
console.log(
  `read   SimpleEncryptedZarrHAMTStore  ${mbps(median(readSecret))}  ratio ${(median(readSecret) / m).toFixed(2)}`,
)
