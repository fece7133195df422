import { InMemoryCAS } from '@hamt/cas-memory'
import { HAMT } from '@hamt/core'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { KuboCAS } from '../src/index.js'

const rpcBaseUrl = inject('ipfsRpcUrl')
const gatewayBaseUrl = inject('ipfsGatewayUrl')

const N = 10_000
const expectedValue = (i: number) => ({ i, name: `value-${i}`, even: i % 2 === 0 })

describe('a 10,000-entry HAMT on a real IPFS node', () => {
  const cas = new KuboCAS({ rpcBaseUrl, gatewayBaseUrl })
  afterAll(() => cas.close())
  let root: HAMT['rootNodeId']

  it('has the same root CID as the same HAMT on InMemoryCAS', async () => {
    const onKubo = await HAMT.build({ cas })
    const inMemory = await HAMT.build({ cas: new InMemoryCAS() })
    const writes: Promise<void>[] = []
    for (let i = 0; i < N; i++) {
      writes.push(onKubo.set(`key-${i}`, expectedValue(i)))
      writes.push(inMemory.set(`key-${i}`, expectedValue(i)))
    }
    await Promise.all(writes)
    await Promise.all([onKubo.makeReadOnly(), inMemory.makeReadOnly()])
    root = onKubo.rootNodeId
    expect(root.toString()).toBe(inMemory.rootNodeId.toString())
  })

  it('reads back from a fresh KuboCAS that has only the gateway URL', async () => {
    // The RPC URL points at a closed port: any RPC call would fail.
    const reader = new KuboCAS({
      gatewayBaseUrl: `${gatewayBaseUrl}/ipfs/`,
      rpcBaseUrl: 'http://127.0.0.1:9',
      maxRetries: 0,
    })
    try {
      const hamt = await HAMT.build({ cas: reader, rootNodeId: root, readOnly: true })
      expect(await hamt.size()).toBe(N)
      const sample = Array.from({ length: 1000 }, (_, j) => (j * 7919) % N)
      const values = await Promise.all(sample.map((i) => hamt.get(`key-${i}`)))
      expect(values).toEqual(sample.map(expectedValue))
      expect(await hamt.get('key-absent')).toBeUndefined()
    } finally {
      await reader.close()
    }
  })
})
