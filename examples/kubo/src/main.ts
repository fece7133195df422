/**
 * A HAMT on IPFS: written to a Kubo node over its RPC API, its root pinned so the node's garbage
 * collection keeps it, then read back by a second store that knows only the gateway's URL.
 *
 *   npx -y pnpm@10.34.9 --filter kubo start [-- --rpc-url http://127.0.0.1:5001 --gateway-url http://127.0.0.1:8080 --entries 1000]
 */
import { parseArgs } from 'node:util'
import { KuboCAS } from '@hamt/cas-kubo'
import { HAMT } from '@hamt/core'

const USAGE = 'usage: npx -y pnpm@10.34.9 --filter kubo start [-- --rpc-url URL] [--gateway-url URL] [--entries N]'
/** A port nothing listens on: the reading store gets it as its RPC address, so only the gateway can serve it. */
const NO_RPC = 'http://127.0.0.1:9'
/** Writes in flight at once. */
const BATCH = 64

class UsageError extends Error {}

const fmt = (value: number): string => Math.round(value).toLocaleString('en-US')
const utf8 = new TextEncoder()
const text = new TextDecoder()

function parseCommandLine() {
  const { values } = parseArgs({
    args: scriptArgs(),
    options: {
      'rpc-url': { type: 'string', default: process.env.KUBO_RPC_URL ?? 'http://127.0.0.1:5001' },
      'gateway-url': { type: 'string', default: process.env.KUBO_GATEWAY_URL ?? 'http://127.0.0.1:8080' },
      entries: { type: 'string', default: '1000' },
    },
  })
  const entries = Number(values.entries)
  if (!Number.isSafeInteger(entries) || entries < 1) {
    throw new UsageError(`--entries must be a positive integer, got ${JSON.stringify(values.entries)}`)
  }
  return { rpcUrl: values['rpc-url'], gatewayUrl: values['gateway-url'], entries }
}

/** Asks the node for its version: a fast, clear failure when nothing answers (KuboCAS would retry). */
async function kuboVersion(rpcUrl: string): Promise<string> {
  try {
    const response = await fetch(`${rpcUrl.replace(/\/+$/, '')}/api/v0/version`, {
      method: 'POST',
      signal: AbortSignal.timeout(5000),
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const { Version } = (await response.json()) as { Version?: string }
    return Version ?? 'unknown version'
  } catch (error) {
    throw new UsageError(
      `No Kubo RPC API answers at ${rpcUrl} (${(error as Error).message}). Start one with \`ipfs daemon\` or pass --rpc-url.`,
    )
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const result = await fn()
  return [result, (performance.now() - start) / 1000]
}

async function main(): Promise<void> {
  const { rpcUrl, gatewayUrl, entries } = parseCommandLine()
  console.log(
    `kubo: a HAMT on an IPFS node (RPC ${rpcUrl}, version ${await kuboVersion(rpcUrl)}; gateway ${gatewayUrl})`,
  )

  // 1. Write over RPC: every value and node is one /api/v0/add.
  const writer = new KuboCAS({ rpcBaseUrl: rpcUrl, gatewayBaseUrl: gatewayUrl })
  const reader = new KuboCAS({ rpcBaseUrl: NO_RPC, gatewayBaseUrl: gatewayUrl, trustless: true })
  try {
    await writeAndRead(writer, reader, entries, gatewayUrl)
  } finally {
    await Promise.all([writer.close(), reader.close()])
  }
}

async function writeAndRead(writer: KuboCAS, reader: KuboCAS, entries: number, gatewayUrl: string): Promise<void> {
  const [root, writeSeconds] = await timed(async () => {
    const hamt = await HAMT.build<Uint8Array>({ cas: writer, valuesAreBytes: true })
    for (let start = 0; start < entries; start += BATCH) {
      const batch = []
      for (let i = start; i < Math.min(entries, start + BATCH); i++) batch.push(hamt.set(`k${i}`, utf8.encode(`v${i}`)))
      await Promise.all(batch)
    }
    await hamt.makeReadOnly()
    return hamt.rootNodeId
  })
  console.log(
    `Wrote ${fmt(entries)} entries over RPC in ${writeSeconds.toFixed(2)} s (${fmt(entries / writeSeconds)}/s)`,
  )
  console.log(`Root CID: ${root}`)

  // 2. Pin: a recursive pin on the root keeps every block of the HAMT through garbage collection.
  await writer.pin(root)
  const pinned = (await writer.pinLs({ type: 'recursive' })).some((pin) => pin.cid.equals(root))
  if (!pinned) throw new Error(`the node does not list ${root} among its recursive pins`)
  console.log('Pinned the root recursively: the node keeps the whole HAMT')

  // 3. Read through the gateway alone (the reader's RPC address leads nowhere), as any machine
  // could, in trustless mode: raw blocks, each checked against its CID.
  const hamt = await HAMT.build<Uint8Array>({ cas: reader, rootNodeId: root, readOnly: true, valuesAreBytes: true })
  const [, readSeconds] = await timed(async () => {
    for (let start = 0; start < entries; start += BATCH) {
      const reads = []
      for (let i = start; i < Math.min(entries, start + BATCH); i++) reads.push(hamt.get(`k${i}`))
      const values = await Promise.all(reads)
      values.forEach((value, j) => {
        if (value === undefined || text.decode(value) !== `v${start + j}`) {
          throw new Error(`k${start + j} read back as ${value === undefined ? 'missing' : text.decode(value)}`)
        }
      })
    }
  })
  console.log(
    `Read all ${fmt(entries)} entries back through the gateway only in ${readSeconds.toFixed(2)} s ` +
      `(${fmt(entries / readSeconds)}/s); every block verified against its CID`,
  )
  console.log(`The root node's block: ${gatewayUrl.replace(/\/+$/, '')}/ipfs/${root}`)
}

try {
  await main()
} catch (error) {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  console.error(`kubo failed: ${(error as Error).stack ?? String(error)}`)
  process.exit(1)
}

/** The script's arguments; `pnpm start -- --flag` passes the `--` on, and it means nothing here. */
function scriptArgs(): string[] {
  const args = process.argv.slice(2)
  return args[0] === '--' ? args.slice(1) : args
}
