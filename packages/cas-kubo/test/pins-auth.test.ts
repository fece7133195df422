import ky from 'ky'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { type IpfsNode, startIpfsNode } from '../../../tools/ipfs-node/launch.js'
import { KuboCAS, KuboRequestError } from '../src/index.js'
import { FaultProxy } from './fault-proxy.js'

const rpcBaseUrl = inject('ipfsRpcUrl')
const gatewayBaseUrl = inject('ipfsGatewayUrl')
const text = (s: string) => new TextEncoder().encode(s)

describe('pins', () => {
  const cas = new KuboCAS({ rpcBaseUrl, gatewayBaseUrl })
  afterAll(() => cas.close())
  const pinned = async () => (await cas.pinLs({ type: 'recursive' })).map((p) => p.cid.toString())

  it('pin, pinLs, pinUpdate and unpin', async () => {
    const a = await cas.save(text(`pin a ${Math.random()}`), 'raw')
    const b = await cas.save(text(`pin b ${Math.random()}`), 'raw')
    expect(await pinned()).not.toContain(a.toString())
    await cas.pin(a)
    expect(await pinned()).toContain(a.toString())
    const all = await cas.pinLs()
    expect(all.find((p) => p.cid.equals(a))?.type).toBe('recursive')
    await cas.pinUpdate(a, b)
    const afterUpdate = await pinned()
    expect(afterUpdate).toContain(b.toString())
    expect(afterUpdate).not.toContain(a.toString())
    await cas.unpin(b)
    expect(await pinned()).not.toContain(b.toString())
  })

  it('pinOnAdd pins what save adds', async () => {
    const pinning = new KuboCAS({ rpcBaseUrl, gatewayBaseUrl, pinOnAdd: true })
    const cid = await pinning.save(text(`pinned on add ${Math.random()}`), 'raw')
    expect(await pinned()).toContain(cid.toString())
    await pinning.close()
  })

  it('unpinning what is not pinned is an error naming the CID, at once: a command error is not retried', async () => {
    const cid = await cas.save(text(`never pinned ${Math.random()}`), 'raw')
    const error = await cas.unpin(cid).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KuboRequestError)
    expect((error as Error).message).toContain(cid.toString())
    expect((error as KuboRequestError).attempts).toBe(1)
  })
})

describe('headers and auth reach the server', () => {
  let rpc: FaultProxy
  let gateway: FaultProxy
  beforeAll(async () => {
    rpc = await FaultProxy.start(rpcBaseUrl)
    gateway = await FaultProxy.start(gatewayBaseUrl)
  })
  afterAll(async () => {
    await rpc.close()
    await gateway.close()
  })
  beforeEach(() => {
    rpc.reset()
    gateway.reset()
  })

  async function roundTrip(cas: KuboCAS): Promise<void> {
    const data = text(`headers ${Math.random()}`)
    expect(await cas.load(await cas.save(data, 'raw'))).toEqual(data)
    await cas.close()
  }

  it('custom headers and basic auth, on RPC and gateway requests', async () => {
    await roundTrip(
      new KuboCAS({
        rpcBaseUrl: rpc.url,
        gatewayBaseUrl: gateway.url,
        headers: { 'X-Hamt-Test': 'yes' },
        auth: { username: 'alice', password: 'pä:ss' },
      }),
    )
    const expected = `Basic ${Buffer.from('alice:pä:ss', 'utf8').toString('base64')}`
    for (const request of [...rpc.requests, ...gateway.requests]) {
      expect(request.headers['x-hamt-test']).toBe('yes')
      expect(request.headers.authorization).toBe(expected)
    }
    expect(rpc.requests).toHaveLength(1)
    expect(gateway.requests).toHaveLength(1)
  })

  it('a bearer token', async () => {
    await roundTrip(new KuboCAS({ rpcBaseUrl: rpc.url, gatewayBaseUrl: gateway.url, auth: { bearerToken: 't0k3n' } }))
    expect(rpc.requests[0]?.headers.authorization).toBe('Bearer t0k3n')
    expect(gateway.requests[0]?.headers.authorization).toBe('Bearer t0k3n')
  })

  it("a caller's own ky instance, settings and hooks included", async () => {
    const client = ky.create({
      headers: { 'X-From-Ky': 'mine' },
      hooks: { beforeRequest: [(request) => request.headers.set('X-Hook', 'ran')] },
    })
    await roundTrip(new KuboCAS({ rpcBaseUrl: rpc.url, gatewayBaseUrl: gateway.url, ky: client }))
    for (const request of [...rpc.requests, ...gateway.requests]) {
      expect(request.headers['x-from-ky']).toBe('mine')
      expect(request.headers['x-hook']).toBe('ran')
    }
  })
})

describe('an RPC API that requires credentials (API.Authorizations)', () => {
  let node: IpfsNode
  beforeAll(async () => {
    node = await startIpfsNode({ rpcAuth: { username: 'hamt', password: 's3cret' } })
  })
  afterAll(() => node?.stop())

  it('accepts the right credentials and refuses others at once', async () => {
    const good = new KuboCAS({
      rpcBaseUrl: node.rpcUrl,
      gatewayBaseUrl: node.gatewayUrl,
      auth: { username: 'hamt', password: 's3cret' },
    })
    const data = text('behind auth')
    const cid = await good.save(data, 'raw')
    expect(await good.load(cid)).toEqual(data)
    await good.close()

    const bad = new KuboCAS({
      rpcBaseUrl: node.rpcUrl,
      gatewayBaseUrl: node.gatewayUrl,
      auth: { username: 'hamt', password: 'wrong' },
    })
    const error = await bad.save(data, 'raw').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KuboRequestError)
    expect(error).toMatchObject({ status: 403, attempts: 1 })
    await bad.close()
    const none = new KuboCAS({ rpcBaseUrl: node.rpcUrl, gatewayBaseUrl: node.gatewayUrl })
    await expect(none.save(data, 'raw')).rejects.toMatchObject({ status: 403 })
    await none.close()
  })
})
