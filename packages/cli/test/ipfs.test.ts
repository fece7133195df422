import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KuboCAS } from '@hamt/cas-kubo'
import { CID } from '@hamt/core'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { hamt, hamtIn, hamtInDir, tempDir } from './helpers.js'

// The real `hamt` binary (child processes) against the test IPFS node: Kubo, or js-ipfs behind its shim.
const rpc = inject('ipfsRpcUrl')
const gateway = inject('ipfsGatewayUrl')
/** A port nothing listens on: connections are refused at once. */
const DEAD = 'http://127.0.0.1:9'

let work: { path: string; remove: () => Promise<void> }
let dir: string
let root: CID
let car: string

beforeAll(async () => {
  work = await tempDir()
  dir = join(work.path, 'laptop')
  root = await hamtInDir(dir, 200)
  car = join(work.path, 'dataset.car')
  const exported = await hamt(['export', root.toString(), '--dir', dir, '--out', car])
  expect(exported.code).toBe(0)
})

afterAll(() => work.remove())

/** Imports a CAR into the node in this process and checks every block arrived; returns its root. */
async function importAndVerify(file: string): Promise<string> {
  const imported = await hamtIn(['import', file, '--rpc', rpc, '--json'])
  expect(imported.stderr).toBe('')
  const [importedRoot] = JSON.parse(imported.stdout).roots as string[]
  const verified = await hamtIn(['verify', importedRoot as string, '--rpc', rpc, '--json'])
  expect(JSON.parse(verified.stdout).ok).toBe(true)
  return importedRoot as string
}

describe('a dataset moved between a directory, a CAR file and an IPFS node', () => {
  test('import into the node over RPC, then read it back over RPC and through gateways', async () => {
    const imported = await hamt(['import', car, '--rpc', rpc, '--pin', '--json'])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ roots: [root.toString()], pinned: true })
    const pins = await new KuboCAS({ rpcBaseUrl: rpc }).pinLs({ type: 'recursive' })
    expect(pins.some((pin) => pin.cid.multihash.bytes.join() === root.multihash.bytes.join())).toBe(true)
    expect((await hamtIn(['import', car, '--dir', dir, '--pin'])).code).toBe(2)

    // In this process too, so coverage sees the RPC store.
    const verified = await hamtIn(['verify', root.toString(), '--rpc', rpc, '--json'])
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, missing: [], corrupt: [] })

    const keys = await hamt(['ls', root.toString(), '--gateway', DEAD, '--gateway', gateway, '--sort'])
    expect(keys.code).toBe(0)
    expect(keys.stdout.trim().split('\n')).toHaveLength(200)
    expect((await hamt(['get', root.toString(), 'key-5', '--gateway', gateway])).stdout).toBe('value-5')
  })

  test('export from the gateway, piped into an import to a fresh directory', async () => {
    const exported = await hamt(['export', root.toString(), '--gateway', gateway])
    expect(exported.code).toBe(0)
    expect(new Uint8Array(exported.bytes)).toEqual(new Uint8Array(await readFile(car)))
    const fresh = join(work.path, 'fresh')
    const imported = await hamt(['import', '-', '--dir', fresh], { stdin: exported.bytes })
    expect(imported.code).toBe(0)
    expect(imported.stdout.trim()).toBe(root.toString())
    expect((await hamt(['verify', root.toString(), '--dir', fresh])).code).toBe(0)
  })

  test('put through RPC gives the root put gives on a directory (same CIDs everywhere)', async () => {
    const onNode = await hamt(['put', root.toString(), 'added', '--text', 'from the cli', '--rpc', rpc])
    const onDisk = await hamt(['put', root.toString(), 'added', '--text', 'from the cli', '--dir', dir])
    expect(onNode.code).toBe(0)
    expect(onNode.stdout).toBe(onDisk.stdout)
    expect((await hamt(['get', onNode.stdout.trim(), 'added', '--gateway', gateway])).stdout).toBe('from the cli')
  })

  test('a value over 1 MiB is a UnixFS file with the same CID through RPC and in a directory', async () => {
    const big = new Uint8Array(2.5 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24)
    const file = join(work.path, 'big.bin')
    await writeFile(file, big)
    const onNode = await hamt(['put', 'new', 'big', '--file', file, '--rpc', rpc])
    const onDisk = await hamtIn(['put', 'new', 'big', '--file', file, '--dir', dir])
    expect(onNode.code).toBe(0)
    expect(onNode.stdout).toBe(onDisk.stdout)
    const bigRoot = onDisk.stdout.trim()
    const pointer = JSON.parse((await hamtIn(['ls', bigRoot, '--dir', dir, '-l', '--json'])).stdout)[0].cid as string
    expect(CID.parse(pointer).code).toBe(0x70) // dag-pb: a UnixFS file
    const bigCar = join(work.path, 'big.car')
    expect((await hamtIn(['export', bigRoot, '--dir', dir, '--out', bigCar])).code).toBe(0)
    const fresh = join(work.path, 'big-copy')
    expect((await hamtIn(['import', bigCar, '--dir', fresh])).code).toBe(0)
    expect(JSON.parse((await hamtIn(['verify', bigRoot, '--dir', fresh, '--json'])).stdout).blocks).toBe(1 + 1 + 3)
    const read = await hamt(['get', bigRoot, 'big', '--gateway', gateway])
    expect(Buffer.compare(read.bytes, big)).toBe(0)
    const overRpc = await hamtIn(['get', bigRoot, 'big', '--rpc', rpc])
    expect(Buffer.compare(overRpc.bytes, big)).toBe(0)
    // The CAR into the node (in this process, for coverage of the batched dag/import): 2.5 MiB, 3 batches.
    const other = await importAndVerify(bigCar)
    expect(other).toBe(bigRoot)
  })

  test('unreachable stores exit 5; a block absent from the node exits 3', async () => {
    const gone = await hamt(['ls', root.toString(), '--gateway', DEAD, '--json'])
    expect(gone.code).toBe(5)
    expect(JSON.parse(gone.stderr).error.code).toBe('ERR_KUBO_REQUEST')
    const rpcGone = await hamt(['ls', root.toString(), '--rpc', DEAD])
    expect(rpcGone.code).toBe(5)
    const fresh = await hamtInDir(join(work.path, 'other'), 3, 'other')
    const absent = await hamtIn(['ls', fresh.toString(), '--rpc', rpc, '--timeout', '2'])
    expect(absent.stderr).toContain('not found in --rpc')
    expect(absent.code).toBe(3)
  })
})
