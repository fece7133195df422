/**
 * The zarr-climate dataset encrypted two ways, on the in-memory store:
 *
 * 1. SimpleEncryptedZarrHAMTStore: every value, metadata included, is encrypted (py-hamt's scheme).
 * 2. The xchacha20poly1305 codec: only the chunks of the data variables are encrypted; metadata and
 *    coordinates stay readable, so anyone can see what the dataset holds but not its values.
 *
 * Each part reads the data back with the right key, and shows that the wrong key fails.
 *
 *   npx -y pnpm@10.34.9 --filter encrypted-zarr start [-- --days 365 --resolution 2.5 --key <64 hex digits>]
 */
import { parseArgs } from 'node:util'
import { InMemoryCAS } from '@hamt/cas-memory'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import {
  DecryptionError,
  registerXChaCha20Poly1305Codec,
  SimpleEncryptedZarrHAMTStore,
  xchacha20poly1305Codec,
} from '@hamt/zarr-encrypted'
import { type ClimateDatasetOptions, writeClimateDataset } from 'zarr-climate/dataset'
import { openClimateDataset, type ReadableStore, readMap } from 'zarr-climate/read'
import { areaWeightedMean } from 'zarr-climate/stats'

const HEADER = 'hamt-examples-encrypted-zarr'
const USAGE = 'usage: npx -y pnpm@10.34.9 --filter encrypted-zarr start [-- --days N] [--resolution DEG] [--key HEX64]'

class UsageError extends Error {}

function parseCommandLine(): { grid: ClimateDatasetOptions; key: Uint8Array; keyGiven: boolean } {
  const { values } = parseArgs({
    args: scriptArgs(),
    options: {
      days: { type: 'string', default: '365' },
      resolution: { type: 'string', default: '2.5' },
      'time-chunk': { type: 'string', default: '90' },
      key: { type: 'string' },
    },
  })
  const hex = values.key ?? process.env.HAMT_ENCRYPTION_KEY
  if (hex !== undefined && !/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new UsageError('--key must be 64 hex digits (a 32-byte key)')
  }
  const key = hex === undefined ? crypto.getRandomValues(new Uint8Array(32)) : Uint8Array.from(Buffer.from(hex, 'hex'))
  return {
    grid: { days: Number(values.days), resolution: Number(values.resolution), timeChunk: Number(values['time-chunk']) },
    key,
    keyGiven: hex !== undefined,
  }
}

/**
 * Runs `fn`, which must fail, and returns the library's typed error (one with a `code`): zarrita
 * wraps what a codec throws in its own error, with the codec's error as the `cause`.
 */
async function mustFail(what: string, fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn()
  } catch (error) {
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      if (typeof (e as { code?: unknown }).code === 'string') return e
    }
    throw error
  }
  throw new Error(`${what} should have failed but did not`)
}

/** A short summary of the dataset's first temperature map, to compare reads. */
async function firstMapMean(store: ReadableStore): Promise<string> {
  const dataset = await openClimateDataset(store)
  const map = await readMap(await dataset.variable('temperature'), 0)
  return `${areaWeightedMean(map, dataset.latitude).toFixed(3)} °C`
}

async function main(): Promise<void> {
  const { grid, key, keyGiven } = parseCommandLine()
  const wrongKey = crypto.getRandomValues(new Uint8Array(32))
  // One store per dataset, so each one's size is its own.
  const stores = { plain: new InMemoryCAS(), sealed: new InMemoryCAS(), codec: new InMemoryCAS() }
  type Which = keyof typeof stores
  const newHamt = (which: Which) => HAMT.build<Uint8Array>({ cas: stores[which], valuesAreBytes: true })
  const openHamt = (which: Which, root: CID) =>
    HAMT.build<Uint8Array>({ cas: stores[which], rootNodeId: root, readOnly: true, valuesAreBytes: true })
  const size = (which: Which) =>
    `${stores[which].byteLength.toLocaleString('en-US')} bytes in ${stores[which].blockCount} blocks`
  console.log(
    `encrypted-zarr: the zarr-climate dataset (${grid.days} days, ${grid.resolution}° grid), encrypted with ${keyGiven ? 'the given key' : 'a random key'}`,
  )

  // The reference: the same dataset unencrypted.
  const plain = new ZarrHAMTStore(await newHamt('plain'))
  await writeClimateDataset(plain, grid)
  const plainRoot = await plain.commit()
  const expected = await firstMapMean(new ZarrHAMTStore(await openHamt('plain', plainRoot)))
  console.log(`Unencrypted: ${size('plain')}; global mean of day 1: ${expected}`)

  // 1. Everything encrypted.
  console.log('\n1. SimpleEncryptedZarrHAMTStore: every value encrypted, metadata included')
  const sealed = new SimpleEncryptedZarrHAMTStore(await newHamt('sealed'), {
    encryptionKey: key,
    header: HEADER,
  })
  await writeClimateDataset(sealed, grid)
  const sealedRoot = await sealed.commit()
  console.log(`   wrote ${size('sealed')} (each value gains a 24-byte nonce and a 16-byte tag)`)
  console.log(`   root CID ${sealedRoot}`)
  const withKey = await firstMapMean(
    new SimpleEncryptedZarrHAMTStore(await openHamt('sealed', sealedRoot), { encryptionKey: key, header: HEADER }),
  )
  if (withKey !== expected) throw new Error(`decrypted data differs: ${withKey} vs ${expected}`)
  console.log(`   with the key:    global mean of day 1: ${withKey}, as unencrypted`)
  const noKey = await mustFail('opening without a key', async () =>
    openClimateDataset(new ZarrHAMTStore(await openHamt('sealed', sealedRoot))),
  )
  console.log(`   without the key: ${noKey.name}: ${noKey.message}`)
  const wrong = await mustFail('opening with the wrong key', async () =>
    openClimateDataset(
      new SimpleEncryptedZarrHAMTStore(await openHamt('sealed', sealedRoot), {
        encryptionKey: wrongKey,
        header: HEADER,
      }),
    ),
  )
  if (!(wrong instanceof DecryptionError)) throw wrong
  console.log(`   wrong key:       ${wrong.name}: ${wrong.message}`)

  // 2. Only the chunks of the data variables encrypted, by a codec named in the array metadata.
  console.log('\n2. xchacha20poly1305 codec: chunks encrypted, metadata and coordinates readable')
  registerXChaCha20Poly1305Codec(key)
  const open = new ZarrHAMTStore(await newHamt('codec'))
  await writeClimateDataset(open, { ...grid, extraCodecs: [xchacha20poly1305Codec(HEADER)] })
  const codecRoot = await open.commit()
  console.log(`   wrote ${size('codec')} (each chunk gains a nonce and a tag)`)
  console.log(`   root CID ${codecRoot}`)

  // Whoever has the root sees the structure without any key...
  registerXChaCha20Poly1305Codec(wrongKey)
  const visible = await openClimateDataset(new ZarrHAMTStore(await openHamt('codec', codecRoot)))
  const temperature = await visible.variable('temperature')
  const lat = visible.latitude
  console.log(
    `   without the key: variables ${visible.variables.join(', ')}; temperature is ${temperature.dtype} ` +
      `${temperature.shape.join(' × ')} in ${String(temperature.attrs.units)}, latitude ${lat[lat.length - 1]}..${lat[0]}`,
  )
  // ...but not the values.
  const codecWrong = await mustFail('reading chunks with the wrong key', async () => readMap(temperature, 0))
  if (!(codecWrong instanceof DecryptionError)) throw codecWrong
  console.log(`   wrong key:       ${codecWrong.name}: ${codecWrong.message}`)
  registerXChaCha20Poly1305Codec(key)
  const codecWithKey = await firstMapMean(new ZarrHAMTStore(await openHamt('codec', codecRoot)))
  if (codecWithKey !== expected) throw new Error(`decrypted data differs: ${codecWithKey} vs ${expected}`)
  console.log(`   with the key:    global mean of day 1: ${codecWithKey}, as unencrypted`)

  console.log('\nEncryption uses a fresh random nonce per value, so the encrypted roots change on every run.')
}

try {
  await main()
} catch (error) {
  const code = (error as { code?: string }).code
  if (error instanceof UsageError || error instanceof RangeError || code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  console.error(`encrypted-zarr failed: ${(error as Error).stack ?? String(error)}`)
  process.exit(1)
}

/** The script's arguments; `pnpm start -- --flag` passes the `--` on, and it means nothing here. */
function scriptArgs(): string[] {
  const args = process.argv.slice(2)
  return args[0] === '--' ? args.slice(1) : args
}
