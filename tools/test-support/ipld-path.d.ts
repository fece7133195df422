/** How the test gateways read and decode blocks for {@link resolveIpldPath} and {@link walkDag}. */
export interface IpldPathIo<C> {
  /** A block's bytes, or `undefined` when the store lacks it. */
  getBlock(cid: C): Promise<Uint8Array | undefined>
  /** A block as data to path through: DAG-CBOR decoded, raw blocks as their bytes. */
  decode(cid: C, bytes: Uint8Array): unknown
  /** The CID `value` is, or null. */
  asLink(value: unknown): C | null
}

/** A block a gateway puts in its CAR answer. */
export interface PathBlock<C> {
  cid: C
  bytes: Uint8Array
}

/** Walks `segments` from `root` as a trustless gateway resolves a CAR request's path (see ipld-path.js). */
export function resolveIpldPath<C>(
  root: C,
  segments: readonly string[],
  io: IpldPathIo<C>,
): Promise<{ blocks: PathBlock<C>[]; resolved: boolean }>

/** Every block reachable from `root` through links, depth first, each once. */
export function walkDag<C>(root: C, io: IpldPathIo<C>, key: (cid: C) => string): Promise<PathBlock<C>[]>
