// IPLD path resolution as a trustless gateway does it for `GET /ipfs/{cid}/{path}?format=car`
// (boxo's BlocksBackend.GetCAR, which Kubo and rainbow run): shared by the test gateways (the IPFS
// node's shim in tools/ipfs-node, the network benchmark's server). Plain JavaScript with nothing
// imported, so the shim (its own npm project) and the TypeScript workspace can both load it; the
// caller hands in how to read blocks and what a link is.
//
// Semantics, as boxo has them:
// - a segment indexes a list (a decimal index) or a map (a key) of the data decoded so far; a link
//   met on the way is followed (its block loaded) before the next segment applies;
// - a link at the end of the path is followed too: its block is the path's terminal block;
// - a path that does not resolve (no such index or key, a segment into bytes or a number) is not an
//   error: the answer holds the blocks traversed up to there, so a client can check the absence;
// - a block missing from the store ends the walk there (a streaming gateway cuts its CAR short).

/**
 * Walks `segments` from block `root`.
 *
 * @param {unknown} root - the CID of the first block.
 * @param {readonly string[]} segments - path segments, already URL-decoded.
 * @param {{
 *   getBlock: (cid: any) => Promise<Uint8Array | undefined>,
 *   decode: (cid: any, bytes: Uint8Array) => unknown,
 *   asLink: (value: unknown) => any,
 * }} io - `getBlock` reads a block (`undefined` when absent), `decode` turns a block into data to
 *   path through (DAG-CBOR decoded; raw blocks as bytes), `asLink` returns the CID a value is, or null.
 * @returns {Promise<{ blocks: { cid: any, bytes: Uint8Array }[], resolved: boolean }>} the blocks
 *   traversed, root first and the terminal block last when `resolved`; `blocks` is empty when the root
 *   itself is absent.
 */
export async function resolveIpldPath(root, segments, io) {
  const blocks = []
  const load = async (cid) => {
    const bytes = await io.getBlock(cid)
    if (bytes === undefined) return undefined
    blocks.push({ cid, bytes })
    return { value: io.decode(cid, bytes) }
  }
  let loaded = await load(root)
  if (loaded === undefined) return { blocks, resolved: false }
  let value = loaded.value
  for (const segment of segments) {
    const link = io.asLink(value)
    if (link !== null && link !== undefined) {
      loaded = await load(link)
      if (loaded === undefined) return { blocks, resolved: false }
      value = loaded.value
    }
    const next = step(value, segment)
    if (next === undefined) return { blocks, resolved: false }
    value = next.value
  }
  const last = io.asLink(value)
  if (last !== null && last !== undefined && (await load(last)) === undefined) return { blocks, resolved: false }
  return { blocks, resolved: true }
}

/** The value `segment` picks in `value`, wrapped (a value may itself be `undefined`-free data), or undefined. */
function step(value, segment) {
  if (Array.isArray(value)) {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined
    const index = Number(segment)
    return index < value.length ? { value: value[index] } : undefined
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.hasOwn(value, segment) ? { value: value[segment] } : undefined
  }
  return undefined
}

/**
 * Every block reachable from `root`'s block through links, depth first, each once (`dag-scope=all`
 * under the terminal block), `root` first. Absent blocks end that branch.
 *
 * @param {any} root
 * @param {{ getBlock: (cid: any) => Promise<Uint8Array | undefined>, decode: (cid: any, bytes: Uint8Array) => unknown, asLink: (value: unknown) => any }} io
 * @param {(cid: any) => string} key - a string naming a CID, for the visited set.
 * @returns {Promise<{ cid: any, bytes: Uint8Array }[]>}
 */
export async function walkDag(root, io, key) {
  const out = []
  const seen = new Set()
  const visit = async (cid) => {
    if (seen.has(key(cid))) return
    seen.add(key(cid))
    const bytes = await io.getBlock(cid)
    if (bytes === undefined) return
    out.push({ cid, bytes })
    for (const link of linksIn(io.decode(cid, bytes), io.asLink)) await visit(link)
  }
  await visit(root)
  return out
}

/** The links in decoded data, in the order the block holds them. */
function linksIn(value, asLink) {
  const link = asLink(value)
  if (link !== null && link !== undefined) return [link]
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return []
  const parts = Array.isArray(value) ? value : canonicalKeys(value).map((key) => value[key])
  return parts.flatMap((part) => linksIn(part, asLink))
}

const utf8 = new TextEncoder()

/**
 * A map's keys in DAG-CBOR's canonical order (shorter UTF-8 first, then bytewise), the order the
 * block holds them in and a gateway walks them in. A decoded JS object does not keep it: integer-like
 * keys ("10", "2") come first, in numeric order.
 */
function canonicalKeys(map) {
  const keys = Object.keys(map).map((key) => ({ key, bytes: utf8.encode(key) }))
  keys.sort((a, b) => a.bytes.length - b.bytes.length || compareBytes(a.bytes, b.bytes))
  return keys.map(({ key }) => key)
}

function compareBytes(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}
