import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { resolveIpldPath } from '../../../tools/test-support/ipld-path.js'
import { InMemoryCAS } from '../../cas-memory/src/index.js'
import type { Block, ByteRange, CallOptions, Codec, ContentAddressedStore } from '../src/index.js'

/**
 * An in-memory store that also answers `loadPath` as a trustless gateway answers a CAR request with
 * a path (tools/test-support/ipld-path.js: boxo's semantics), and counts its round trips. Hooks let a
 * test take blocks out of, or forge blocks in, a path answer (a FAKE for those faults).
 */
export class PathStore implements ContentAddressedStore {
  readonly inner = new InMemoryCAS()
  loads = 0
  pathLoads: { root: string; path: readonly string[]; blocks: number }[] = []
  /** Rewrites a path answer (drop, reorder or forge blocks). */
  onPath: (blocks: Block[]) => Block[] = (blocks) => blocks

  save(data: Uint8Array, codec: Codec, options?: CallOptions): Promise<CID> {
    return this.inner.save(data, codec, options)
  }

  async load(id: CID, range?: ByteRange, options?: CallOptions): Promise<Uint8Array> {
    this.loads++
    return this.inner.load(id, range, options)
  }

  async loadPath(root: CID, path: readonly string[]): Promise<readonly Block[]> {
    const { blocks } = await resolveIpldPath(root, path, {
      getBlock: async (cid: CID) => (this.inner.has(cid) ? this.inner.loadBlock(cid) : undefined),
      decode: (cid: CID, bytes: Uint8Array) => (cid.code === dagCbor.code ? dagCbor.decode(bytes) : bytes),
      asLink: (value: unknown) => CID.asCID(value),
    })
    const answer = this.onPath(blocks)
    this.pathLoads.push({ root: root.toString(), path, blocks: answer.length })
    if (answer.length === 0) return [{ cid: root, bytes: await this.inner.load(root) }]
    return answer
  }

  /** Round trips so far: loads and path loads. */
  get roundTrips(): number {
    return this.loads + this.pathLoads.length
  }

  reset(): void {
    this.loads = 0
    this.pathLoads = []
  }
}
