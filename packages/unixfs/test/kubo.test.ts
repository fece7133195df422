import { KuboCAS } from '@hamt/cas-kubo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { writeUnixFsFile } from '../src/index.js'
import { MapBlocks, randomBytes } from './helpers.js'

let node: IpfsNode
let kubo: KuboCAS

beforeAll(async () => {
  node = await startIpfsNode()
  // py-hamt's KuboCAS settings: hash=blake3, chunker=size-1048576, cid-version=1.
  kubo = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
})

afterAll(async () => {
  await kubo?.close()
  await node?.stop()
})

describe('the same CIDs as the IPFS node’s add', () => {
  for (const [label, size, seed] of [
    ['3 MB', 3_000_000, 11],
    ['5 MB', 5_000_000, 12],
    ['exactly 4 MiB', 4 * 1_048_576, 13],
    ['1 MiB + 1', 1_048_577, 14],
  ] as const) {
    it(`${label}`, async () => {
      const data = randomBytes(size, seed)
      const ours = await writeUnixFsFile(data, new MapBlocks())
      const theirs = await kubo.save(data, 'raw')
      expect(ours.code).toBe(0x70) // dag-pb: a UnixFS file of several chunks
      expect(ours.toString()).toBe(theirs.toString())
    })
  }
})
