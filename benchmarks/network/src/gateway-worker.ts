/**
 * The benchmark's gateway on a thread of its own: it builds a dataset and serves it with
 * {@link DelayedGateway}, so its CPU and garbage collection are not counted against the reader, as a
 * real gateway's are not. Started by {@link RemoteGateway}; every message is answered once.
 */
import { parentPort } from 'node:worker_threads'
import { buildBigHamt, buildDataset, ISSUE_GRID, pathDepth } from './dataset.js'
import type { GatewayRequest, GatewayResponse } from './remote-gateway.js'
import { DelayedGateway } from './server.js'

const port = parentPort
if (port === null) throw new Error('gateway-worker.ts runs as a worker thread')

let gateway: DelayedGateway | undefined

async function handle(message: GatewayRequest): Promise<GatewayResponse> {
  switch (message.kind) {
    case 'serve-issue-dataset': {
      const dataset = await buildDataset(ISSUE_GRID, { consolidated: message.consolidated })
      gateway = await new DelayedGateway({
        rttMs: 0,
        blocks: (cid) => dataset.cas.load(cid).catch(() => undefined),
        files: dataset.files,
      }).start()
      return {
        kind: 'serving',
        url: gateway.url,
        roots: { hamt: dataset.hamtRoot.bytes, sharded: dataset.shardedRoot.bytes },
        chunks: dataset.files.size - 2,
      }
    }
    case 'serve-big-hamt': {
      const big = await buildBigHamt(message.chunks, { consolidated: message.consolidated })
      gateway = await new DelayedGateway({
        rttMs: 0,
        blocks: (cid) => big.cas.load(cid).catch(() => undefined),
        files: new Map(),
      }).start()
      // With consolidation the reader waits for the root's zarr.json, whose metadata answers the array's.
      const metadataKey = message.consolidated ? 'zarr.json' : 'big/zarr.json'
      const depths = {
        chunk: await pathDepth(big.cas, big.root, `big/c/${message.probe}`),
        metadata: await pathDepth(big.cas, big.root, metadataKey),
        metadataKey,
      }
      return { kind: 'serving', url: gateway.url, roots: { hamt: big.root.bytes }, chunks: message.chunks, depths }
    }
    case 'set-rtt':
      started().rttMs = message.rttMs
      return { kind: 'done' }
    case 'take-log': {
      const log: GatewayResponse = { kind: 'log', counts: started().counts, arrivals: [...started().arrivals] }
      started().resetCounts()
      return log
    }
    case 'close':
      await gateway?.close()
      gateway = undefined
      return { kind: 'done' }
  }
}

function started(): DelayedGateway {
  if (gateway === undefined) throw new Error('the gateway is not serving yet')
  return gateway
}

port.on('message', (message: GatewayRequest) => {
  handle(message).then(
    (response) => port.postMessage(response),
    (error: unknown) => port.postMessage({ kind: 'failed', message: String(error) } satisfies GatewayResponse),
  )
})
