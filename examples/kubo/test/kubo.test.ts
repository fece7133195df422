import { CID } from '@hamt/core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { runExample } from './run-example.js'

// py-hamt's root for keys k0..k99 -> bytes v0..v99 (packages/core/test/vectors, B-insert-n100-b4).
const PY_HAMT_ROOT_N100 = 'bafyr4iekkzpmqym7bdl3weqn3cfi2pb47hsqkpz4eklmpekmtopz6ajdym'

let node: IpfsNode
beforeAll(async () => {
  node = await startIpfsNode()
}, 90_000)
afterAll(async () => {
  await node?.stop()
})

test('writes over RPC, pins the root, reads everything back through the gateway', async () => {
  const { stdout, stderr } = await runExample([
    '--rpc-url',
    node.rpcUrl,
    '--gateway-url',
    node.gatewayUrl,
    '--entries',
    '100',
  ])
  expect(stderr).toBe('')
  expect(stdout).toContain(`kubo: a HAMT on an IPFS node (RPC ${node.rpcUrl}`)
  expect(stdout).toMatch(/Wrote 100 entries over RPC in [\d.]+ s/)
  // The same root py-hamt computes for the same data: IPFS gives the same CIDs as any other store.
  expect(stdout).toContain(`Root CID: ${PY_HAMT_ROOT_N100}`)
  expect(stdout).toContain('Pinned the root recursively')
  expect(stdout).toMatch(/Read all 100 entries back through the gateway only in [\d.]+ s/)

  // The node itself, asked directly, holds the pin.
  const response = await fetch(`${node.rpcUrl}/api/v0/pin/ls?arg=${PY_HAMT_ROOT_N100}&type=recursive`, {
    method: 'POST',
  })
  expect(response.status).toBe(200)
  const keys = Object.keys(((await response.json()) as { Keys: Record<string, unknown> }).Keys)
  // Normalised through CID: js-ipfs prints CIDs in base58btc where Kubo prints base32.
  expect(keys.map((key) => CID.parse(key).toString())).toEqual([PY_HAMT_ROOT_N100])
  // And the gateway serves the root block by itself.
  const block = await fetch(`${node.gatewayUrl}/ipfs/${PY_HAMT_ROOT_N100}`)
  expect(block.status).toBe(200)
})

// How quickly it gives up is measured by `npx -y pnpm@10.34.9 --filter kubo bench`, not asserted here.
test('with no node at the RPC address it says so', async () => {
  await expect(runExample(['--rpc-url', 'http://127.0.0.1:9'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('No Kubo RPC API answers at http://127.0.0.1:9'),
  })
})
