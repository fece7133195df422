/**
 * `loadPath`: a HAMT key's chain of nodes in one gateway request (a CAR for an IPLD path), against
 * the real test node; faults injected by the fault proxy, hostile answers by the fake gateway.
 */
import { BlockNotFoundError, blake3Hasher, blake3HashFn, CID, HAMT, InvalidOptionError } from '@hamt/core'
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { create as createDigest } from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import {
  ClosedError,
  IntegrityError,
  InvalidResponseError,
  KuboCAS,
  type KuboCASOptions,
  ResponseTooLargeError,
  UnverifiableError,
} from '../src/index.js'
import { FaultProxy, type SeenRequest } from './fault-proxy.js'
import { carOf, randomBytes, sameBytes } from './helpers.js'
import { FakeHostileGateway } from './hostile-gateway.js'

const rpcUrl = inject('ipfsRpcUrl')
const gatewayUrl = inject('ipfsGatewayUrl')
const MiB = 1024 * 1024

interface Block {
  cid: CID
  bytes: Uint8Array
}

/** A HAMT on the node in which `deep` sits three nodes down: root → level 1 → level 2. */
let root: CID
let deep: string
/** `deep`'s chain of nodes, root first, and its value's block. */
let chain: Block[]
let value: Block
/** A UnixFS file (dag-pb root). */
let file: CID

let proxy: FaultProxy
let second: FaultProxy
let hostile: FakeHostileGateway

const keyHash = (key: string): Uint8Array => blake3HashFn(new TextEncoder().encode(key))

/** The path to `key`'s slot at each depth, `depth` levels deep: `/{h0}/0/{h1}/0/…`. */
function pathOf(key: string, depth: number): string[] {
  return [...keyHash(key).subarray(0, depth)].flatMap((byte) => [String(byte), '0'])
}

/** Two keys whose hashes share their first two bytes: with one key a bucket, they force two levels. */
function collidingKeys(): [string, string] {
  const seen = new Map<number, string>()
  for (let i = 0; ; i++) {
    const key = `key-${i}`
    const hash = keyHash(key)
    const prefix = ((hash[0] as number) << 8) | (hash[1] as number)
    const other = seen.get(prefix)
    if (other !== undefined && hash[2] !== keyHash(other)[2]) return [other, key]
    seen.set(prefix, key)
  }
}

/** `key`'s nodes from `cas`, read one by one: the chain loadPath must return. */
async function chainOf(cas: KuboCAS, from: CID, key: string): Promise<Block[]> {
  const hash = keyHash(key)
  const out: Block[] = []
  let cid: CID | undefined = from
  for (let depth = 0; cid !== undefined; depth++) {
    const bytes = await cas.load(cid)
    out.push({ cid, bytes })
    const slot = (dagCbor.decode(bytes) as unknown[])[hash[depth] as number]
    cid = Array.isArray(slot) ? (CID.asCID(slot[0]) ?? undefined) : undefined
  }
  return out
}

async function blocksOf(car: Uint8Array): Promise<Block[]> {
  const out: Block[] = []
  for await (const block of await CarBlockIterator.fromBytes(car)) {
    out.push({ cid: CID.decode(block.cid.bytes), bytes: block.bytes })
  }
  return out
}

/** Whether a request is a CAR request with a path under its root CID. */
const isPathRequest = (request: SeenRequest): boolean => /^\/ipfs\/[^/?]+\/[^?]/.test(request.path)

const cids = (blocks: readonly Block[]): string[] => blocks.map((block) => block.cid.toString())

beforeAll(async () => {
  ;[proxy, second, hostile] = await Promise.all([
    FaultProxy.start(gatewayUrl),
    FaultProxy.start(gatewayUrl),
    FakeHostileGateway.start(),
  ])
  const writer = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl, bulkWrites: true })
  const [a, b] = collidingKeys()
  deep = a
  const hamt = await HAMT.build({ cas: writer, maxBucketSize: 1 })
  for (const key of [a, b, ...Array.from({ length: 40 }, (_, i) => `filler-${i}`)]) {
    await hamt.set(key, { key, payload: `value of ${key}` })
  }
  await hamt.makeReadOnly()
  root = hamt.rootNodeId
  chain = await chainOf(writer, root, deep)
  const valueCid = (await hamt.getPointer(deep)) as CID
  value = { cid: valueCid, bytes: await writer.load(valueCid) }
  file = await writer.save(randomBytes(MiB + 100, 31), 'raw')
  await writer.close()
})
afterAll(async () => {
  await Promise.all([proxy.close(), second.close(), hostile.close()])
})
beforeEach(() => {
  proxy.reset()
  second.reset()
  hostile.requests = 0
  hostile.bytesSent = 0
})

function reader(options: KuboCASOptions = {}): KuboCAS {
  return new KuboCAS({ gatewayBaseUrl: proxy.url, initialDelayMs: 5, ...options })
}

describe('loadPath on a gateway with path CARs', () => {
  it('returns exactly the key’s chain of nodes for a deeper path than the tree has, in one request', async () => {
    expect(chain).toHaveLength(3)
    const cas = reader()
    const blocks = await cas.loadPath(root, pathOf(deep, 8))
    expect(cids(blocks)).toEqual(cids(chain))
    for (const [i, block] of blocks.entries()) {
      expect(sameBytes(block.bytes, (chain[i] as Block).bytes)).toBe(true)
      expect(dagCbor.decode(block.bytes)).toHaveLength(256)
    }
    // The last node holds the key in a bucket: the path stops there.
    const slot = (dagCbor.decode((blocks[2] as Block).bytes) as unknown[])[keyHash(deep)[2] as number]
    expect(Object.keys(slot as object)).toEqual([deep])
    expect(proxy.requests).toHaveLength(1)
    expect(proxy.requests[0]?.path).toBe(`/ipfs/${root}/${pathOf(deep, 8).join('/')}?format=car&dag-scope=block`)
    expect(proxy.requests[0]?.headers.accept).toContain('application/vnd.ipld.car')
    expect(blocks[0]?.cid).toBe(root)
  })

  it('returns root and terminal for a path ending at a link, and the root alone for no path', async () => {
    const cas = reader()
    expect(cids(await cas.loadPath(root, pathOf(deep, 1)))).toEqual(cids(chain.slice(0, 2)))
    expect(cids(await cas.loadPath(root, []))).toEqual(cids(chain.slice(0, 1)))
    // Through to the value: the bucket's key is a map key, its value CID the link at the end.
    const hash = keyHash(deep)
    const toValue = [...pathOf(deep, 2), String(hash[2]), deep]
    const blocks = await cas.loadPath(root, toValue)
    expect(cids(blocks)).toEqual([...cids(chain), value.cid.toString()])
    expect(sameBytes((blocks[3] as Block).bytes, value.bytes)).toBe(true)
    expect(proxy.requests).toHaveLength(3)
  })

  it('an absent root is a BlockNotFoundError, as load says', async () => {
    const absent = CID.createV1(0x71, await blake3Hasher.digest(new TextEncoder().encode('not stored')))
    const cas = reader()
    await expect(cas.loadPath(absent, [])).rejects.toBeInstanceOf(BlockNotFoundError)
    expect(proxy.requests).toHaveLength(1)
    // With a path, a 404 may mean the path does not resolve on an older gateway: load says.
    proxy.reset()
    await expect(cas.loadPath(absent, ['1', '0'])).rejects.toBeInstanceOf(BlockNotFoundError)
    expect(proxy.requests.map(isPathRequest)).toEqual([true, false])
    // The gateway keeps being asked for paths.
    proxy.reset()
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain))
  })

  it('works in trustless mode', async () => {
    const blocks = await reader({ trustless: true }).loadPath(root, pathOf(deep, 8))
    expect(cids(blocks)).toEqual(cids(chain))
  })

  it('a dag-pb root gives its block (not the file)', async () => {
    const [block] = await reader().loadPath(file, ['0'])
    expect(block?.cid.equals(file)).toBe(true)
    expect(dagPb.decode(block?.bytes as Uint8Array).Links.length).toBeGreaterThan(1)
    expect((await blake3Hasher.digest(block?.bytes as Uint8Array)).digest).toEqual(file.multihash.digest)
  })

  it('an identity root needs no request; a root that cannot be checked is refused in trustless mode', async () => {
    const bytes = dagCbor.encode([1, 2, 3])
    const inline = CID.createV1(0x71, identity.digest(bytes))
    expect(await reader().loadPath(inline, ['0'])).toEqual([{ cid: inline, bytes }])
    const sha3 = CID.createV1(0x71, createDigest(0x16, new Uint8Array(32).fill(3)))
    await expect(reader({ trustless: true }).loadPath(sha3, ['0'])).rejects.toBeInstanceOf(UnverifiableError)
    expect(proxy.requests).toHaveLength(0)
  })

  it('goes through the runner: one concurrency limit, time limits, abort signals; a failure is not retried', async () => {
    // A failed path request: load reads the root, with its retries (the second attempt succeeds).
    let failures = 2
    proxy.plan = () => (failures-- > 0 ? { kind: 'status', status: 503 } : { kind: 'pass' })
    const cas = reader({ concurrency: 1 })
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(proxy.requests.map(isPathRequest)).toEqual([true, false, false])
    // Not remembered: the next call asks for the path again.
    proxy.reset()
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain))
    // A gateway that keeps failing fails the call as load would.
    proxy.reset()
    proxy.plan = () => ({ kind: 'status', status: 502 })
    await expect(reader({ maxRetries: 1 }).loadPath(root, pathOf(deep, 8))).rejects.toMatchObject({
      code: 'ERR_KUBO_REQUEST',
      status: 502,
      operation: 'load',
    })
    expect(proxy.requests.map(isPathRequest)).toEqual([true, false, false])
    // The time limit covers a path request too.
    proxy.reset()
    proxy.plan = (request) => (isPathRequest(request) ? { kind: 'delay', ms: 2000 } : { kind: 'pass' })
    const started = performance.now()
    expect(cids(await reader({ timeoutMs: 200 }).loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(performance.now() - started).toBeLessThan(1500)

    proxy.reset()
    proxy.plan = () => ({ kind: 'delay', ms: 50 })
    const all = await Promise.all([
      cas.loadPath(root, pathOf(deep, 8)),
      cas.loadPath(root, pathOf(deep, 4)),
      cas.load(root),
      cas.loadPath(root, pathOf(deep, 2)),
    ])
    expect(cids(all[0])).toEqual(cids(chain))
    expect(proxy.maxInFlight).toBe(1)

    proxy.plan = () => ({ kind: 'delay', ms: 2000 })
    const aborted = await cas.loadPath(root, pathOf(deep, 8), { signal: AbortSignal.timeout(50) }).catch((e) => e)
    expect((aborted as Error).name).toBe('TimeoutError')
    await cas.close()
    await expect(cas.loadPath(root, [])).rejects.toBeInstanceOf(ClosedError)
  })

  it('refuses malformed arguments before any request', async () => {
    const cas = reader()
    const bad: unknown[][] = [
      [root, 'a'],
      [root, ['']],
      [root, ['..']],
      [root, ['.']],
      [root, [1]],
      ['bafy', []],
    ]
    bad.push([root, Array.from({ length: 129 }, () => '0')])
    for (const [cid, path] of bad) {
      await expect(cas.loadPath(cid as CID, path as string[])).rejects.toBeInstanceOf(InvalidOptionError)
    }
    expect(proxy.requests).toHaveLength(0)
  })

  it('segments are URL-encoded', async () => {
    await reader().loadPath(root, ['1', 'a key/with?odd#chars'])
    expect(proxy.requests[0]?.path).toBe(`/ipfs/${root}/1/a%20key%2Fwith%3Fodd%23chars?format=car&dag-scope=block`)
  })
})

describe('loadPath on a gateway without path CARs', () => {
  it.each([400, 406, 415, 501])(
    'HTTP %i: falls back to load, once, and later calls skip the path request',
    async (status) => {
      proxy.plan = (request) => (isPathRequest(request) ? { kind: 'status', status } : { kind: 'pass' })
      const cas = reader()
      const blocks = await cas.loadPath(root, pathOf(deep, 8))
      expect(cids(blocks)).toEqual(cids(chain.slice(0, 1)))
      expect(sameBytes((blocks[0] as Block).bytes, (chain[0] as Block).bytes)).toBe(true)
      expect(proxy.requests.map(isPathRequest)).toEqual([true, false])

      proxy.reset()
      expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
      expect(proxy.requests.map(isPathRequest)).toEqual([false])
    },
  )

  it('a 404 for a path that does not resolve (Kubo before 0.23): the root is loaded alone, and a lone gateway remembered', async () => {
    proxy.plan = (request) => (isPathRequest(request) ? { kind: 'status', status: 404 } : { kind: 'pass' })
    const cas = reader()
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(proxy.requests.map(isPathRequest)).toEqual([true, false])
    proxy.reset()
    await cas.loadPath(root, pathOf(deep, 8))
    expect(proxy.requests.map(isPathRequest)).toEqual([false])
  })

  it('a 200 that is not a CAR, or a body that does not parse as one, is a gateway without path CARs', async () => {
    for (const plan of [
      { kind: 'status', status: 200, body: '<html>a directory listing</html>' } as const,
      { kind: 'rewrite', rewrite: () => Buffer.from('not a CAR at all') } as const,
    ]) {
      proxy.reset()
      proxy.plan = (request) => (isPathRequest(request) ? plan : { kind: 'pass' })
      const cas = reader()
      expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
      await cas.loadPath(root, pathOf(deep, 8))
      expect(proxy.requests.map(isPathRequest)).toEqual([true, false, false])
    }
  })

  it('a CAR without the root: the root is loaded, the other blocks kept, and the gateway remembered', async () => {
    proxy.plan = (request) =>
      isPathRequest(request)
        ? { kind: 'rewrite', rewrite: async (body) => carOf([root], (await blocksOf(body)).slice(1)) }
        : { kind: 'pass' }
    const cas = reader()
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain))
    expect(proxy.requests.map(isPathRequest)).toEqual([true, false])
    proxy.reset()
    await cas.loadPath(root, pathOf(deep, 8))
    expect(proxy.requests.map(isPathRequest)).toEqual([false])
  })

  it('the fallback reads a dag-pb root as a raw block', async () => {
    proxy.plan = (request) => (isPathRequest(request) ? { kind: 'status', status: 501 } : { kind: 'pass' })
    const [block] = await reader().loadPath(file, ['0'])
    expect((await blake3Hasher.digest(block?.bytes as Uint8Array)).digest).toEqual(file.multihash.digest)
    expect(proxy.requests[1]?.headers.accept).toBe('application/vnd.ipld.raw')
  })

  it('several gateways: one without path CARs, the other with them', async () => {
    proxy.plan = (request) => (isPathRequest(request) ? { kind: 'status', status: 501 } : { kind: 'pass' })
    const cas = new KuboCAS({ gatewayBaseUrls: [proxy.url, second.url], initialDelayMs: 5 })
    // The first learns the preferred gateway has none: the root comes from it, as load would read it.
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(proxy.requests.map(isPathRequest)).toEqual([true, false])
    expect(second.requests).toHaveLength(0)
    // Later ones go to the gateway that has path CARs; loads still go to the preferred one.
    proxy.reset()
    proxy.plan = (request) => (isPathRequest(request) ? { kind: 'status', status: 501 } : { kind: 'pass' })
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain))
    expect(await cas.load(value.cid)).toEqual(value.bytes)
    expect(proxy.requests.map(isPathRequest)).toEqual([false])
    expect(second.requests.map(isPathRequest)).toEqual([true])
  })

  it('several gateways: a root absent from the ones with path CARs is looked for on the others', async () => {
    second.plan = (request) => (isPathRequest(request) ? { kind: 'status', status: 501 } : { kind: 'pass' })
    proxy.plan = () => ({ kind: 'status', status: 404 })
    const cas = new KuboCAS({ gatewayBaseUrls: [second.url, proxy.url], initialDelayMs: 5 })
    await cas.loadPath(root, ['0']) // second is found without path CARs
    second.reset()
    proxy.reset()
    proxy.plan = () => ({ kind: 'status', status: 404 })
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(proxy.requests.map(isPathRequest)).toEqual([true])
    expect(second.requests.map(isPathRequest)).toEqual([false])
  })

  it('several gateways: when those with path CARs are set aside, the root comes from one without', async () => {
    proxy.plan = () => ({ kind: 'reset' })
    second.plan = (request) => (isPathRequest(request) ? { kind: 'status', status: 501 } : { kind: 'pass' })
    const cas = new KuboCAS({ gatewayBaseUrls: [proxy.url, second.url], initialDelayMs: 5 })
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(proxy.requests).toHaveLength(1)
    expect(second.requests.map(isPathRequest)).toEqual([true, false, false])
    // When they fail while not set aside, they are asked once (not retried), and the root comes from
    // one without, as `load` would have it.
    const soon = new KuboCAS({ gatewayBaseUrls: [proxy.url, second.url], initialDelayMs: 5, gatewayCooldownMs: 50 })
    await soon.loadPath(root, ['0'])
    await new Promise((resolve) => setTimeout(resolve, 60))
    proxy.reset()
    second.reset()
    proxy.plan = () => ({ kind: 'reset' })
    expect(cids(await soon.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
    expect(proxy.requests.map(isPathRequest)).toEqual([true])
    expect(second.requests.map(isPathRequest)).toEqual([false])
  })

  it('several gateways: a hostile one is set aside, the next answers', async () => {
    proxy.plan = (request) =>
      isPathRequest(request)
        ? {
            kind: 'rewrite',
            rewrite: async (body) => {
              const blocks = await blocksOf(body)
              const tampered = (blocks[1] as Block).bytes.slice()
              tampered[0] = (tampered[0] as number) ^ 1
              return carOf([root], [blocks[0] as Block, { cid: (blocks[1] as Block).cid, bytes: tampered }])
            },
          }
        : { kind: 'pass' }
    const cas = new KuboCAS({ gatewayBaseUrls: [proxy.url, second.url], initialDelayMs: 5 })
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain))
    expect(proxy.requests).toHaveLength(1)
    expect(second.requests).toHaveLength(1)
    // Alone, it is an IntegrityError naming the block.
    const error = await reader()
      .loadPath(root, pathOf(deep, 8))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IntegrityError)
    expect((error as IntegrityError).cid.equals(chain[1]?.cid)).toBe(true)
    expect((error as IntegrityError).url).toContain(proxy.url)
  })

  it('a hedged request answers for a slow gateway', async () => {
    proxy.plan = () => ({ kind: 'delay', ms: 3000 })
    const cas = new KuboCAS({ gatewayBaseUrls: [proxy.url, second.url], hedgeDelayMs: 50 })
    const started = performance.now()
    expect(cids(await cas.loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain))
    expect(performance.now() - started).toBeLessThan(1500)
  })
})

describe('loadPath against a hostile gateway', () => {
  function against(options: KuboCASOptions = {}): KuboCAS {
    return new KuboCAS({ gatewayBaseUrl: hostile.url, initialDelayMs: 5, timeoutMs: 10_000, ...options })
  }
  /** Serves `car` for CAR requests and the root's block for the others. */
  function serve(car: (res: import('node:http').ServerResponse) => void): void {
    hostile.handler = (req, res) => {
      if ((req.headers.accept ?? '').includes('application/vnd.ipld.car')) {
        res.writeHead(200, { 'content-type': 'application/vnd.ipld.car; version=1' })
        car(res)
        return
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end((chain[0] as Block).bytes)
    }
  }

  it('an endless CAR is read no further than the path allows; the process stays healthy', async () => {
    const header = await carOf([root], [])
    serve((res) => {
      // A block of the root's CID announced at 4 GiB, then zeros for ever.
      res.write(Buffer.concat([header, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10]), root.bytes]))
      hostile.endless(res, Buffer.alloc(64 * 1024))
    })
    const rssBefore = process.memoryUsage().rss
    const blocks = await against().loadPath(root, [])
    // Nothing whole came: the root is loaded on its own.
    expect(cids(blocks)).toEqual(cids(chain.slice(0, 1)))
    expect(hostile.requests).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(hostile.bytesSent).toBeLessThan(64 * MiB)
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * MiB)
    expect(await new KuboCAS({ gatewayBaseUrl: gatewayUrl }).load(root)).toEqual((chain[0] as Block).bytes)
  })

  it('an endless CAR of one block repeated ends at the cap with that block', async () => {
    const car = await carOf([root], [chain[0] as Block])
    const again = car.subarray((await carOf([root], [])).length)
    serve((res) => {
      res.write(car)
      hostile.endless(res, Buffer.concat(Array.from({ length: 64 }, () => again)))
    })
    const blocks = await against().loadPath(root, ['1'])
    expect(cids(blocks)).toEqual(cids(chain.slice(0, 1)))
    expect(hostile.requests).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(hostile.bytesSent).toBeLessThan(64 * MiB)
  })

  it('no more blocks than the path can hold are kept', async () => {
    const extra = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const bytes = randomBytes(1000, 40 + i)
        return { cid: CID.createV1(0x55, await blake3Hasher.digest(bytes)), bytes }
      }),
    )
    const car = await carOf([root], [chain[0] as Block, ...extra])
    serve((res) => res.end(car))
    const blocks = await against().loadPath(root, ['7'])
    expect(cids(blocks)).toEqual([root.toString(), extra[0]?.cid.toString()])
  })

  it('a block over 2 MiB is refused; unverifiable blocks are dropped', async () => {
    const big = randomBytes(3 * MiB, 50)
    const bigBlock = { cid: CID.createV1(0x55, await blake3Hasher.digest(big)), bytes: big }
    serve(async (res) => res.end(await carOf([root], [chain[0] as Block, bigBlock])))
    await expect(against().loadPath(root, ['1', '0', '2'])).rejects.toBeInstanceOf(ResponseTooLargeError)

    const odd = { cid: CID.createV1(0x55, createDigest(0x16, new Uint8Array(32))), bytes: new Uint8Array(5) }
    serve(async (res) => res.end(await carOf([root], [chain[0] as Block, odd, chain[1] as Block])))
    expect(cids(await against().loadPath(root, ['1', '0', '2']))).toEqual(cids(chain.slice(0, 2)))
  })

  it('a CAR cut off mid-block keeps the blocks that came whole', async () => {
    const car = await carOf([root], chain)
    serve((res) => res.end(car.subarray(0, car.length - 10)))
    expect(cids(await against().loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 2)))
  })

  it('a connection cut mid-CAR is a failed request, not a short CAR: load reads the root', async () => {
    const car = await carOf([root], chain)
    for (const cut of [10, car.length - 10]) {
      hostile.requests = 0
      serve((res) => {
        res.write(car.subarray(0, cut), () => res.destroy())
      })
      expect(cids(await against({ maxRetries: 0 }).loadPath(root, pathOf(deep, 8)))).toEqual(cids(chain.slice(0, 1)))
      expect(hostile.requests).toBe(2)
    }
  })

  it('a compressed answer is refused unread', async () => {
    hostile.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ipld.car', 'content-encoding': 'gzip' })
      res.end(Buffer.alloc(100))
    }
    await expect(against({ maxRetries: 0 }).loadPath(root, ['1'])).rejects.toBeInstanceOf(InvalidResponseError)
  })
})
