import type { CID } from '@hamt/core'
import { CarBlockIterator } from '@ipld/car/iterator'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import {
  IntegrityError,
  InvalidResponseError,
  KuboCAS,
  type KuboCASOptions,
  ResponseTooLargeError,
} from '../src/index.js'
import { FaultProxy } from './fault-proxy.js'
import { carOf, randomBytes, sameBytes } from './helpers.js'

const rpcUrl = inject('ipfsRpcUrl')
const gatewayUrl = inject('ipfsGatewayUrl')
const CHUNK = 1024 * 1024

let gateway: FaultProxy
const data = randomBytes(3 * CHUNK + 123, 42)
let file: CID

beforeAll(async () => {
  gateway = await FaultProxy.start(gatewayUrl)
  const writer = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
  file = await writer.save(data, 'raw')
  expect(file.code).toBe(0x70)
  await writer.close()
})
afterAll(async () => {
  await gateway.close()
})
beforeEach(() => gateway.reset())

function reader(options: KuboCASOptions = {}): KuboCAS {
  return new KuboCAS({ gatewayBaseUrl: gateway.url, initialDelayMs: 5, timeoutMs: 10_000, maxRetries: 1, ...options })
}

/** The blocks of a CAR, in order. */
async function blocksOf(car: Uint8Array): Promise<Array<{ cid: CID; bytes: Uint8Array }>> {
  const blocks: Array<{ cid: CID; bytes: Uint8Array }> = []
  for await (const block of await CarBlockIterator.fromBytes(car)) blocks.push(block as never)
  return blocks
}

describe('UnixFS files (values over 1 MiB) are read as CARs and checked block by block', () => {
  it('reads a 3 MB file whole and in ranges across chunk boundaries, through CAR requests', async () => {
    const cas = reader()
    expect(cas.verifyFiles).toBe(true)
    expect(sameBytes(await cas.load(file), data)).toBe(true)
    const cases: Array<[Parameters<KuboCAS['load']>[1], Uint8Array]> = [
      [{ offset: CHUNK - 10, length: 20 }, data.subarray(CHUNK - 10, CHUNK + 10)],
      [{ offset: 2 * CHUNK - 1, length: CHUNK + 2 }, data.subarray(2 * CHUNK - 1, 3 * CHUNK + 1)],
      [{ offset: 3 * CHUNK }, data.subarray(3 * CHUNK)],
      [{ suffix: 200 }, data.subarray(data.length - 200)],
      [{ suffix: 10 * CHUNK }, data],
      [{ offset: data.length - 5, length: 100 }, data.subarray(data.length - 5)],
      [{ offset: 100, length: 0 }, new Uint8Array(0)],
      [{ offset: data.length }, new Uint8Array(0)],
    ]
    for (const [range, expected] of cases) {
      expect(sameBytes(await cas.load(file, range), expected), JSON.stringify(range)).toBe(true)
    }
    await expect(cas.load(file, { offset: data.length + 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_RANGE' })
    const requests = gateway.seen(`/ipfs/${file}`)
    expect(requests.every((r) => r.path.includes('format=car'))).toBe(true)
    expect(requests.some((r) => r.path.includes('entity-bytes=1048566%3A1048585'))).toBe(true)
    expect(requests.every((r) => r.headers.range === undefined)).toBe(true)
  })

  it('a range reads only the blocks it needs', async () => {
    const cas = reader()
    gateway.plan = () => ({
      kind: 'rewrite',
      rewrite: async (body) => {
        const blocks = await blocksOf(body)
        // The root and the one leaf holding bytes 10..29.
        expect(blocks).toHaveLength(2)
        return body
      },
    })
    expect(sameBytes(await cas.load(file, { offset: 10, length: 20 }), data.subarray(10, 30))).toBe(true)
  })

  it('trustless mode reads files verified too', async () => {
    const cas = reader({ trustless: true })
    expect(sameBytes(await cas.load(file, { offset: 5, length: 2 * CHUNK }), data.subarray(5, 5 + 2 * CHUNK))).toBe(
      true,
    )
  })
})

describe('a tampering gateway', () => {
  it('a flipped byte in the CAR gives an IntegrityError, never data', async () => {
    const cas = reader({ maxRetries: 0 })
    gateway.plan = () => ({ kind: 'corrupt' })
    const error = await cas.load(file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IntegrityError)
    await expect(cas.load(file, { offset: 0, length: 10 })).rejects.toBeInstanceOf(IntegrityError)
  })

  it('a leaf swapped for another valid block is refused', async () => {
    const cas = reader({ maxRetries: 0 })
    const other = await blocksOf(
      new Uint8Array(await (await fetch(`${gatewayUrl}/ipfs/${file}?format=car&entity-bytes=0:10`)).arrayBuffer()),
    )
    const firstLeaf = other[1] as { cid: CID; bytes: Uint8Array }
    gateway.plan = () => ({
      kind: 'rewrite',
      rewrite: async (body) => {
        const blocks = await blocksOf(body)
        // Replace the last leaf with the first: each block hashes right, but it is not the one asked for.
        return carOf(file, [...blocks.slice(0, -1), firstLeaf])
      },
    })
    const error = await cas.load(file, { suffix: 10 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toContain('not part of the file range')
  })

  it('a missing block is refused', async () => {
    const cas = reader({ maxRetries: 0 })
    gateway.plan = () => ({
      kind: 'rewrite',
      rewrite: async (body) => carOf(file, (await blocksOf(body)).slice(0, -1)),
    })
    const error = await cas.load(file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toContain('missing')
  })

  it('garbage instead of a CAR is refused', async () => {
    const cas = reader({ maxRetries: 0 })
    gateway.plan = () => ({ kind: 'rewrite', rewrite: () => Buffer.from('<html>not a car</html>') })
    await expect(cas.load(file)).rejects.toBeInstanceOf(InvalidResponseError)
  })

  it('a block whose length says 1 GiB is not buffered', async () => {
    const cas = reader({ maxRetries: 0 })
    gateway.plan = () => ({
      kind: 'rewrite',
      rewrite: async (body) => {
        const header = await carOf(file, [])
        // varint(1 GiB + 36), the root's CID, then 3 MiB: the reader must stop at its budget.
        const huge = Buffer.from([0x80 + 0x24, 0x80, 0x80, 0x80, 0x04])
        return Buffer.concat([header, huge, file.bytes, body.subarray(0, 3 * CHUNK)])
      },
    })
    const error = await cas.load(file).catch((e: unknown) => e)
    expect(error, String(error)).toBeInstanceOf(ResponseTooLargeError)
  })
})

describe('a gateway without CARs', () => {
  it('is read unchecked by default, and refused in trustless mode', async () => {
    gateway.plan = () => ({ kind: 'no-car' })
    const cas = reader()
    expect(sameBytes(await cas.load(file, { offset: 7, length: 100 }), data.subarray(7, 107))).toBe(true)
    // Later reads go straight to Range requests.
    gateway.reset()
    gateway.plan = () => ({ kind: 'no-car' })
    expect(sameBytes(await cas.load(file, { suffix: 9 }), data.subarray(data.length - 9))).toBe(true)
    expect(gateway.requests).toHaveLength(1)
    expect(gateway.requests[0]?.headers.range).toBe('bytes=-9')
    const strict = reader({ trustless: true })
    await expect(strict.load(file)).rejects.toMatchObject({ code: 'ERR_UNVERIFIABLE' })
  })
})
