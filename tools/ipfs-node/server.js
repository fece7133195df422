// A real IPFS node for tests when no Kubo binary is available: js-ipfs (ipfs-core) with its RPC API
// and gateway, behind a loopback shim that bridges the places where js-ipfs answers differently from
// Kubo (see README.md, "Bridges"). Prints one JSON line with the URLs once it is ready; stops on
// SIGTERM/SIGINT or when stdin closes (so a crashed test runner never leaves it behind).
//
// Usage: node server.js <repo-dir>
// Env: HAMT_IPFS_RPC_AUTHORIZATION — when set, RPC requests must carry exactly this Authorization
//      header (as Kubo's API.Authorizations enforces); the gateway stays open, as Kubo's does.

// ipfs-core 0.18 calls Promise.withResolvers, which Node 20 lacks.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve
    let reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

import http from 'node:http'
import { CarWriter } from '@ipld/car/writer'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { blake3 } from '@noble/hashes/blake3'
import { create } from 'ipfs-core'
import { HttpGateway } from 'ipfs-http-gateway'
import { HttpApi } from 'ipfs-http-server'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { from } from 'multiformats/hashes/hasher'
import { resolveIpldPath, walkDag } from '../test-support/ipld-path.js'

const DAG_PB = 0x70
const DAG_CBOR = 0x71
/** The empty identity CID: a trustless gateway's CAR root when the path does not resolve. */
const EMPTY_IDENTITY = CID.parse('bafkqaaa')
const repo = process.argv[2]
if (!repo) {
  console.error('usage: node server.js <repo-dir>')
  process.exit(2)
}
const requiredAuthorization = process.env.HAMT_IPFS_RPC_AUTHORIZATION || undefined

const blake3Hasher = from({ name: 'blake3', code: 0x1e, encode: (bytes) => blake3(bytes) })

const ipfs = await create({
  repo,
  start: false,
  offline: true,
  silent: true,
  preload: { enabled: false },
  ipld: { hashers: [blake3Hasher] },
  config: {
    Bootstrap: [],
    Addresses: { API: '/ip4/127.0.0.1/tcp/0', Gateway: '/ip4/127.0.0.1/tcp/0', Swarm: [] },
    Discovery: { MDNS: { Enabled: false }, webRTCStar: { Enabled: false } },
  },
})
const api = new HttpApi(ipfs)
await api.start()
const gateway = new HttpGateway(ipfs)
await gateway.start()
const upstreamApiPort = api._apiServers[0].info.port
const upstreamGatewayPort = gateway._gatewayServers[0].info.port

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, Range, Accept, X-Requested-With',
  'access-control-expose-headers': 'Content-Range, Content-Length, X-Ipfs-Path, X-Ipfs-Roots, Etag',
}

/** Forwards a request to a js-ipfs server on loopback, unchanged but for `path`. */
function forward(req, res, port, path) {
  const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, { ...up.headers, ...CORS })
    up.pipe(res)
  })
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', ...CORS })
    res.end(String(err))
  })
  req.pipe(upstream)
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', ...CORS })
  res.end(JSON.stringify(body))
}

/** Kubo's error body: {"Message", "Code", "Type": "error"}. */
function sendRpcError(res, status, message) {
  sendJson(res, status, { Message: message, Code: 0, Type: 'error' })
}

async function handleRpc(req, res) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS)
    res.end()
    return
  }
  if (requiredAuthorization !== undefined && req.headers.authorization !== requiredAuthorization) {
    // Kubo answers 403 for a missing or wrong API.Authorizations secret.
    sendRpcError(res, 403, '403 - Forbidden')
    req.resume()
    return
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (url.pathname === '/api/v0/block/put') {
    // Bridge 1: Kubo names the codec `cid-codec` (default raw); js-ipfs only knows `format` (default dag-pb).
    const codec = url.searchParams.get('cid-codec') ?? url.searchParams.get('format') ?? 'raw'
    url.searchParams.delete('cid-codec')
    url.searchParams.set('format', codec)
  } else if (url.pathname === '/api/v0/add' && !url.searchParams.has('cid-base')) {
    // Bridge 4 (cosmetic): Kubo prints CIDv1 in base32, js-ipfs in base58btc.
    url.searchParams.set('cid-base', 'base32')
  } else if (url.pathname === '/api/v0/pin/update') {
    // Bridge 3: js-ipfs has no pin/update; do what Kubo does (pin the new root, then unpin the old).
    req.resume()
    try {
      const [from, to] = url.searchParams.getAll('arg').map((arg) => CID.parse(arg))
      if (from === undefined || to === undefined) throw new Error('pin/update needs two arguments')
      await ipfs.pin.add(to, { recursive: true })
      if (url.searchParams.get('unpin') !== 'false') await ipfs.pin.rm(from, { recursive: true })
      sendJson(res, 200, { Pins: [from.toString(), to.toString()] })
    } catch (err) {
      sendRpcError(res, 500, err instanceof Error ? err.message : String(err))
    }
    return
  }
  forward(req, res, upstreamApiPort, url.pathname + url.search)
}

/** Parses a single `bytes=` range against `size`: {start, end} (end exclusive), null if absent, 'bad' if unsatisfiable. */
function parseRange(header, size) {
  if (!header) return null
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return null // unsupported forms: serve the whole body
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0) return 'bad'
    return { start: Math.max(0, size - suffix), end: size }
  }
  const start = Number(match[1])
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size || last < start) return 'bad'
  return { start, end: last + 1 }
}

async function handleGateway(req, res) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS)
    res.end()
    return
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const match = /^\/ipfs\/([^/]+)\/?$/.exec(url.pathname)
  let cid
  try {
    cid = match ? CID.parse(match[1]) : undefined
  } catch {
    cid = undefined
  }
  const wantsRawBlock =
    (req.headers.accept ?? '').includes('application/vnd.ipld.raw') || url.searchParams.get('format') === 'raw'
  const wantsCar =
    (req.headers.accept ?? '').includes('application/vnd.ipld.car') || url.searchParams.get('format') === 'car'
  // Bridge 6: js-ipfs's gateway has no CAR answers (trustless gateway `?format=car`); serve them here.
  if (cid !== undefined && wantsCar && req.method === 'GET') {
    req.resume()
    if (url.searchParams.get('dag-scope') === 'all') await servePathCar(res, cid, [], url.searchParams)
    else await serveCar(res, cid, url.searchParams)
    return
  }
  const contentPath = wantsCar && req.method === 'GET' && match === null ? parseContentPath(url.pathname) : undefined
  if (contentPath !== undefined) {
    req.resume()
    if (contentPath === 'bad') {
      res.writeHead(400, { 'content-type': 'text/plain', ...CORS })
      res.end('invalid path: a segment is not valid percent-encoding')
      return
    }
    await servePathCar(res, contentPath.root, contentPath.segments, url.searchParams)
    return
  }
  // Bridge 2: js-ipfs's gateway answers 500 for non-dag-pb CIDs, where Kubo serves the block's bytes;
  // it also ignores `Accept: application/vnd.ipld.raw` (trustless gateway block requests).
  if (cid === undefined || (cid.code === DAG_PB && !wantsRawBlock) || (req.method !== 'GET' && req.method !== 'HEAD')) {
    forward(req, res, upstreamGatewayPort, url.pathname + url.search)
    return
  }
  req.resume()
  let bytes
  try {
    if (!(await hasBlock(cid))) throw new Error('not found')
    bytes = await ipfs.block.get(cid, { timeout: 5000 })
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain', ...CORS })
    res.end(`ipfs resolve -r /ipfs/${cid}: block not found locally (offline node)`)
    return
  }
  const contentType = wantsRawBlock
    ? 'application/vnd.ipld.raw'
    : cid.code === 0x71
      ? 'application/vnd.ipld.dag-cbor'
      : 'application/octet-stream'
  const headers = {
    'content-type': contentType,
    'accept-ranges': 'bytes',
    etag: `"${cid}${wantsRawBlock ? '.raw' : ''}"`,
    'cache-control': 'public, max-age=29030400, immutable',
    'x-ipfs-path': `/ipfs/${cid}`,
    ...CORS,
  }
  const range = parseRange(req.headers.range, bytes.length)
  if (range === 'bad') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${bytes.length}` })
    res.end()
    return
  }
  if (range === null) {
    res.writeHead(200, { ...headers, 'content-length': bytes.length })
    res.end(req.method === 'HEAD' ? undefined : bytes)
    return
  }
  res.writeHead(206, {
    ...headers,
    'content-length': range.end - range.start,
    'content-range': `bytes ${range.start}-${range.end - 1}/${bytes.length}`,
  })
  res.end(req.method === 'HEAD' ? undefined : bytes.subarray(range.start, range.end))
}

/**
 * A CAR of `root` as a trustless gateway sends it (IPIP-402): `dag-scope=block` is the root alone,
 * `entity` (the default here) a UnixFS file's blocks in depth-first order, only those overlapping
 * `entity-bytes=from:to` when given (negative values count from the end, `to` may be `*`).
 */
async function serveCar(res, root, params) {
  if (!(await hasBlock(root))) {
    res.writeHead(404, { 'content-type': 'text/plain', ...CORS })
    res.end(`ipfs resolve -r /ipfs/${root}: block not found locally (offline node)`)
    return
  }
  const scope = params.get('dag-scope') ?? 'entity'
  const rootBytes = await ipfs.block.get(root, { timeout: 5000 })
  let span = null
  if (root.code === DAG_PB && params.has('entity-bytes')) {
    const size = Number(UnixFS.unmarshal(dagPb.decode(rootBytes).Data).fileSize())
    span = entitySpan(params.get('entity-bytes'), size)
    if (span === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain', ...CORS })
      res.end('invalid entity-bytes')
      return
    }
  }
  const { writer, out } = CarWriter.create([root])
  res.writeHead(200, {
    'content-type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n',
    'cache-control': 'public, max-age=29030400, immutable',
    'x-ipfs-path': `/ipfs/${root}`,
    'x-ipfs-roots': root.toString(),
    ...CORS,
  })
  const piping = (async () => {
    for await (const chunk of out) res.write(chunk)
    res.end()
  })()
  const put = carPutter(writer)
  try {
    if (scope === 'block') await put({ cid: root, bytes: rootBytes })
    else await putFileBlocks(put, root, rootBytes, 0, span)
  } finally {
    await writer.close()
  }
  await piping
}

/** Writes each block once, whatever way it is met again. */
function carPutter(writer) {
  const sent = new Set()
  return async (block) => {
    if (sent.has(block.cid.toString())) return
    sent.add(block.cid.toString())
    await writer.put(block)
  }
}

/**
 * `put`s the UnixFS file node `cid` (at `offset` in the file), then, depth first, the blocks under
 * it that overlap `span` (all when `span` is null). A block that is not dag-pb is a leaf.
 */
async function putFileBlocks(put, cid, bytes, offset, span) {
  await put({ cid, bytes })
  if (cid.code !== DAG_PB) return
  const node = dagPb.decode(bytes)
  const unixfs = UnixFS.unmarshal(node.Data)
  let at = offset + (unixfs.data?.length ?? 0)
  for (let i = 0; i < node.Links.length; i++) {
    const size = Number(unixfs.blockSizes[i])
    if (span === null || (at < span.end && at + size > span.start)) {
      const child = CID.asCID(node.Links[i].Hash) ?? CID.decode(node.Links[i].Hash.bytes)
      await putFileBlocks(put, child, await ipfs.block.get(child, { timeout: 5000 }), at, span)
    }
    at += size
  }
}

/**
 * `/ipfs/{cid}/{segment}/…` as the root CID and the URL-decoded segments (empty ones dropped, as a
 * gateway cleans a path), `'bad'` for a segment that is not valid percent-encoding, or `undefined`
 * when this is no content path under a CID.
 */
function parseContentPath(pathname) {
  const match = /^\/ipfs\/([^/]+)\/(.+)$/.exec(pathname)
  if (match === null) return undefined
  let root
  try {
    root = CID.parse(match[1])
  } catch {
    return undefined
  }
  try {
    return {
      root,
      segments: match[2]
        .split('/')
        .filter((segment) => segment !== '')
        .map(decodeURIComponent),
    }
  } catch {
    return 'bad'
  }
}

/** A block's bytes, or `undefined` when the (offline) node lacks it. */
async function getBlock(cid) {
  if (!(await hasBlock(cid))) return undefined
  return ipfs.block.get(cid, { timeout: 5000 })
}

/**
 * How a path walks blocks: DAG-CBOR decoded, dag-pb as its links by name (a UnixFS directory's
 * entries; HAMT-sharded directories are not resolved), any other block as its bytes (no path into it).
 */
const pathIo = {
  getBlock,
  decode: (cid, bytes) => {
    if (cid.code === DAG_CBOR) return dagCbor.decode(bytes)
    if (cid.code === DAG_PB) return linksByName(dagPb.decode(bytes))
    return bytes
  },
  asLink: (value) => CID.asCID(value),
}

/** How `dag-scope=all` walks blocks: as a path does, but dag-pb as its links in order. */
const dagIo = {
  ...pathIo,
  decode: (cid, bytes) =>
    cid.code === DAG_PB ? dagPb.decode(bytes).Links.map((link) => link.Hash) : pathIo.decode(cid, bytes),
}

/** A dag-pb node's links by name; the first of a repeated name wins. */
function linksByName(node) {
  const byName = Object.create(null)
  for (const link of node.Links) {
    if (link.Name !== undefined && !Object.hasOwn(byName, link.Name)) byName[link.Name] = link.Hash
  }
  return byName
}

/** Whether `block` is a UnixFS file node (the only entity `dag-scope=entity` takes past one block). */
function isUnixfsFile(block) {
  if (block.cid.code !== DAG_PB) return false
  try {
    const type = UnixFS.unmarshal(dagPb.decode(block.bytes).Data).type
    return type === 'file' || type === 'raw'
  } catch {
    return false
  }
}

/**
 * A CAR for `/ipfs/{root}/{segments}` as boxo's gateway sends it (IPIP-402): the blocks traversed
 * from `root`, root first, the terminal block last; then, for `dag-scope=entity` and a UnixFS file
 * at the terminal, the file's blocks (`entity-bytes` limiting them), for `all` every block under the
 * terminal block (depth first, each once). A path that does not resolve is no error: 200 with the
 * blocks traversed up to there and the empty identity CID as the CAR's root. A missing root is 404.
 */
async function servePathCar(res, root, segments, params) {
  if (!(await hasBlock(root))) {
    res.writeHead(404, { 'content-type': 'text/plain', ...CORS })
    res.end(`ipfs resolve -r /ipfs/${root}: block not found locally (offline node)`)
    return
  }
  const scope = params.get('dag-scope') ?? 'entity'
  if (scope !== 'block' && scope !== 'entity' && scope !== 'all') {
    res.writeHead(400, { 'content-type': 'text/plain', ...CORS })
    res.end(`invalid dag-scope ${JSON.stringify(scope)}: block, entity or all`)
    return
  }
  const { blocks, resolved } = await resolveIpldPath(root, segments, pathIo)
  const terminal = resolved ? blocks.at(-1) : undefined
  const file = terminal !== undefined && scope === 'entity' && isUnixfsFile(terminal)
  let span = null
  if (file && params.has('entity-bytes')) {
    const size = Number(UnixFS.unmarshal(dagPb.decode(terminal.bytes).Data).fileSize())
    span = entitySpan(params.get('entity-bytes'), size)
    if (span === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain', ...CORS })
      res.end('invalid entity-bytes')
      return
    }
  }
  // The CAR's root: the terminal block (the last segment's), as Kubo 0.24+ has it.
  const { writer, out } = CarWriter.create([terminal?.cid ?? EMPTY_IDENTITY])
  const contentPath = [`/ipfs/${root}`, ...segments.map(encodeURIComponent)].join('/')
  res.writeHead(200, {
    'content-type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n',
    'cache-control': 'public, max-age=29030400, immutable',
    'x-ipfs-path': contentPath,
    'x-ipfs-roots': blocks.map((block) => block.cid.toString()).join(','),
    ...CORS,
  })
  const piping = (async () => {
    for await (const chunk of out) res.write(chunk)
    res.end()
  })()
  const put = carPutter(writer)
  try {
    for (const block of blocks) await put(block)
    if (file) await putFileBlocks(put, terminal.cid, terminal.bytes, 0, span)
    else if (terminal !== undefined && scope === 'all') {
      for (const block of await walkDag(terminal.cid, dagIo, (cid) => cid.toString())) await put(block)
    }
  } finally {
    await writer.close()
  }
  await piping
}

/** `entity-bytes=from:to` of a file of `size` bytes as `{ start, end }` (end exclusive), or `undefined` when malformed. */
function entitySpan(value, size) {
  const match = /^(-?\d+):(-?\d+|\*)$/.exec(value)
  if (!match) return undefined
  const from = Number(match[1]) < 0 ? Math.max(0, size + Number(match[1])) : Number(match[1])
  const to = match[2] === '*' ? size - 1 : Number(match[2]) < 0 ? size + Number(match[2]) : Number(match[2])
  return { start: from, end: Math.min(to, size - 1) + 1 }
}

async function hasBlock(cid) {
  try {
    await ipfs.block.stat(cid, { timeout: 2000 })
    return true
  } catch {
    return false
  }
}

function listen(handler) {
  const server = http.createServer((req, res) => {
    handler(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain', ...CORS })
      res.end(String(err))
    })
  })
  server.keepAliveTimeout = 60_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

const rpcServer = await listen(handleRpc)
const gatewayServer = await listen(handleGateway)
const rpcUrl = `http://127.0.0.1:${rpcServer.address().port}`
const gatewayUrl = `http://127.0.0.1:${gatewayServer.address().port}`

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  rpcServer.closeAllConnections()
  gatewayServer.closeAllConnections()
  rpcServer.close()
  gatewayServer.close()
  await Promise.allSettled([api.stop(), gateway.stop()])
  await ipfs.stop().catch(() => {})
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()

process.stdout.write(`${JSON.stringify({ ready: true, implementation: 'js-ipfs', rpcUrl, gatewayUrl })}\n`)
