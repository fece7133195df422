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
import { bytes, CHUNK, MapStore, mbps, median, readAll, shape, timed, write } from '../../zarr/bench/workload.js'
import { SimpleEncryptedZarrHAMTStore } from '../src/index.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const encryptionKey = crypto.getRandomValues(new Uint8Array(32))
const header = 'fully-encrypted-zarr'

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
