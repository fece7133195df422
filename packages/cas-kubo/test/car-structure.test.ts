/**
 * UnixFS files built by hand, served as CARs by a fake gateway: every block hashes right, so only the
 * file-structure checks can catch a lying structure.
 */
import { CID } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { create as createDigest } from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidResponseError, KuboCAS } from '../src/index.js'
import { carOf } from './helpers.js'
import { FakeHostileGateway } from './hostile-gateway.js'

interface Block {
  cid: CID
  bytes: Uint8Array
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function raw(bytes: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(0x55, await sha256.digest(bytes)), bytes }
}

async function fileNode(
  links: CID[],
  blockSizes: number[],
  options: { data?: Uint8Array; type?: 'file' | 'directory' } = {},
): Promise<Block> {
  const unixfs = new UnixFS({
    type: options.type ?? 'file',
    ...(options.data === undefined ? {} : { data: options.data }),
    blockSizes: blockSizes.map(BigInt),
  })
  const bytes = dagPb.encode({ Data: unixfs.marshal(), Links: links.map((Hash) => ({ Hash })) })
  return { cid: CID.createV1(0x70, await sha256.digest(bytes)), bytes }
}

let gateway: FakeHostileGateway
/** What the fake gateway answers every CAR request with. */
let answer: Buffer

beforeAll(async () => {
  gateway = await FakeHostileGateway.start()
  gateway.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.car; version=1' })
    res.end(answer)
  }
})
afterAll(() => gateway.close())

function cas(): KuboCAS {
  return new KuboCAS({ gatewayBaseUrl: gateway.url, maxRetries: 0 })
}

/** `<<hello world!`: inline bytes in the root, a raw leaf, and a middle node over a leaf and an inline leaf. */
async function sample() {
  const hello = await raw(text('hello '))
  const world = await raw(text('world'))
  const bang = CID.createV1(0x55, identity.digest(text('!')))
  const middle = await fileNode([world.cid, bang], [5, 1])
  const root = await fileNode([hello.cid, middle.cid], [6, 6], { data: text('<<') })
  return { hello, world, middle, root }
}

describe('hand-built UnixFS files', () => {
  it('a two-level file with inline data and an identity leaf reads whole and in ranges', async () => {
    const { hello, world, middle, root } = await sample()
    // The middle node is sent twice: a duplicate is harmless.
    answer = await carOf(root.cid, [root, hello, middle, world, middle])
    expect(new TextDecoder().decode(await cas().load(root.cid))).toBe('<<hello world!')
    answer = await carOf(root.cid, [root, middle, world])
    expect(new TextDecoder().decode(await cas().load(root.cid, { offset: 9, length: 4 }))).toBe('orld')
    answer = await carOf(root.cid, [root])
    expect(new TextDecoder().decode(await cas().load(root.cid, { offset: 0, length: 2 }))).toBe('<<')
  })

  it('a leaf whose size is not what its parent says is refused', async () => {
    const hello = await raw(text('hello '))
    const root = await fileNode([hello.cid], [7])
    answer = await carOf(root.cid, [root, hello])
    const error = await cas()
      .load(root.cid)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect((error as Error).message).toContain('holds 6 bytes, its parent says 7')
  })

  it('a middle node whose size is not what its parent says is refused', async () => {
    const { hello, world, middle } = await sample()
    const root = await fileNode([hello.cid, middle.cid], [6, 9])
    answer = await carOf(root.cid, [root, hello, middle, world])
    await expect(cas().load(root.cid)).rejects.toThrow('holds 6 bytes, its parent says 9')
  })

  it('links and block sizes that do not match are refused', async () => {
    const hello = await raw(text('hello '))
    const root = await fileNode([hello.cid, hello.cid], [6])
    answer = await carOf(root.cid, [root, hello])
    await expect(cas().load(root.cid)).rejects.toThrow('has 2 links but 1 block sizes')
  })

  it('a directory is not a file', async () => {
    const root = await fileNode([], [], { type: 'directory' })
    answer = await carOf(root.cid, [root])
    await expect(cas().load(root.cid)).rejects.toThrow('is a UnixFS directory, not a file')
  })

  it('a dag-pb block without UnixFS data is refused', async () => {
    const bytes = dagPb.encode({ Links: [] })
    const root = { cid: CID.createV1(0x70, await sha256.digest(bytes)), bytes }
    answer = await carOf(root.cid, [root])
    await expect(cas().load(root.cid)).rejects.toThrow('is not a UnixFS node')
  })

  it('a child that is neither raw nor dag-pb is refused', async () => {
    const bytes = dagCbor.encode({ not: 'a file' })
    const child = { cid: CID.createV1(0x71, await sha256.digest(bytes)), bytes }
    const root = await fileNode([child.cid], [bytes.length])
    answer = await carOf(root.cid, [root, child])
    await expect(cas().load(root.cid)).rejects.toThrow('neither raw nor dag-pb')
  })

  it('a CAR without the root block is refused', async () => {
    const { root } = await sample()
    answer = await carOf(root.cid, [])
    const error = await cas()
      .load(root.cid)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_INVALID_RESPONSE' })
    expect((error as Error).message).toContain('root block is missing')
  })

  it('a child hashed with a function KuboCAS does not know is unverifiable', async () => {
    const hello = text('hello ')
    // sha3-256 (0x16): a valid multihash, but not one KuboCAS can check.
    const odd = CID.createV1(0x55, createDigest(0x16, new Uint8Array(32)))
    const root = await fileNode([odd], [hello.length])
    answer = await carOf(root.cid, [root, { cid: odd, bytes: hello }])
    await expect(cas().load(root.cid)).rejects.toMatchObject({ code: 'ERR_UNVERIFIABLE' })
  })
})
