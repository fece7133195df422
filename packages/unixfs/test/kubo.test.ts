import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { writeUnixFsFile } from '../src/index.js'
import { MapBlocks, randomBytes } from './helpers.js'

let node: IpfsNode

beforeAll(async () => {
  node = await startIpfsNode()
})

afterAll(async () => {
  await node?.stop()
})

/** The node's `add` with py-hamt's KuboCAS settings (what `@hamt/cas-kubo` sends too). */
async function add(data: Uint8Array): Promise<CID> {
  const query = new URLSearchParams({ hash: 'blake3', chunker: 'size-1048576', 'cid-version': '1', pin: 'false' })
  const form = new FormData()
  form.append('file', new Blob([data as Uint8Array<ArrayBuffer>]), 'file')
  const response = await fetch(`${node.rpcUrl}/api/v0/add?${query}`, { method: 'POST', body: form })
  expect(response.status).toBe(200)
  const lines = (await response.text()).trim().split('\n')
  return CID.parse((JSON.parse(lines.at(-1) as string) as { Hash: string }).Hash)
}

describe('the same CIDs as the IPFS node’s add', () => {
  it('exactly 1 MiB: one raw block', async () => {
    const data = randomBytes(1_048_576, 10)
    const ours = await writeUnixFsFile(data, new MapBlocks())
    expect(ours.code).toBe(0x55)
    expect(ours.toString()).toBe((await add(data)).toString())
  })

  for (const [label, size, seed] of [
    ['3 MB', 3_000_000, 11],
    ['5 MB', 5_000_000, 12],
    ['exactly 4 MiB', 4 * 1_048_576, 13],
    ['1 MiB + 1', 1_048_577, 14],
  ] as const) {
    it(`${label}`, async () => {
      const data = randomBytes(size, seed)
      const ours = await writeUnixFsFile(data, new MapBlocks())
      const theirs = await add(data)
      expect(ours.code).toBe(0x70) // dag-pb: a UnixFS file of several chunks
      expect(ours.toString()).toBe(theirs.toString())
    })
  }
})
