import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { runExample } from './run-example.js'

const SMALL = ['--days', '45', '--resolution', '15', '--time-chunk', '20']
let node: IpfsNode
let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'zarr-climate-kubo-'))
  node = await startIpfsNode()
}, 90_000)
afterAll(async () => {
  await node?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

const rootOf = (stdout: string): string | undefined => /Root CID: (bafyr4\w+)/.exec(stdout)?.[1]
const reading = (stdout: string): string =>
  stdout.slice(stdout.indexOf('Opened read-only')).replace(/read in [\d.,]+ (ms|s)(: [\d.,]+ MB\/s)?/g, 'read in …')

test('--kubo writes to the node and reads through its gateway; the root is the blockstore-fs run’s', async () => {
  const kuboArgs = ['--kubo', '--rpc-url', node.rpcUrl, '--gateway-url', node.gatewayUrl]
  const onKubo = await runExample([...SMALL, ...kuboArgs])
  expect(onKubo.stderr).toBe('')
  expect(onKubo.stdout).toContain(`Store: Kubo (RPC ${node.rpcUrl}, reads through ${node.gatewayUrl})`)
  const root = rootOf(onKubo.stdout)
  expect(root).toBeDefined()
  expect(onKubo.stdout).toContain(`--kubo --root ${root}`)

  const onDisk = await runExample([...SMALL, '--data-dir', dataDir])
  expect(rootOf(onDisk.stdout)).toBe(root)
  expect(reading(onDisk.stdout)).toBe(reading(onKubo.stdout))

  const reopened = await runExample(['--root', root as string, ...kuboArgs])
  expect(reopened.stdout).toContain(`Reopening root CID ${root}`)
  expect(reading(reopened.stdout)).toBe(reading(onKubo.stdout))
})
