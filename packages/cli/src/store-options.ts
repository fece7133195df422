import { KuboCAS } from '@hamt/cas-kubo'
import type { CID } from '@hamt/core'
import type { OptionSpec, OptionValue } from './context.js'
import { CliError, EXIT, usageError } from './exit-codes.js'
import { CarFileStore } from './stores/car-file-store.js'
import { DirStore } from './stores/dir-store.js'
import { LayeredStore, type NamedStore } from './stores/layered-store.js'
import { RpcStore } from './stores/rpc-store.js'

/** The options every command that reads or writes takes. */
export const STORE_OPTIONS: Record<string, OptionSpec> = {
  dir: { type: 'string', value: 'PATH', description: 'a blockstore-fs directory (read and write)' },
  car: { type: 'string', value: 'FILE', description: 'a CAR file (read-only); its root is the default ROOT' },
  rpc: {
    type: 'string',
    value: 'URL',
    description: "a Kubo node's RPC API, e.g. http://127.0.0.1:5001 (read and write)",
  },
  gateway: {
    type: 'string',
    multiple: true,
    value: 'URL',
    description: 'an IPFS HTTP gateway (read-only; repeat it: a failing or slow one is set aside, the next asked)',
  },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    description: 'time limit of each request to a node or gateway (default 60)',
  },
}

/**
 * Opens the stores named by the options. Reads try local stores first (`--dir`, `--car`), then
 * `--rpc`, then each `--gateway` in order; writes go to `--dir` or `--rpc` (not both).
 */
export async function openStores(
  options: Record<string, OptionValue>,
  writes: boolean,
): Promise<{ store: LayeredStore; carRoots: CID[] }> {
  const dir = options.dir as string | undefined
  const car = options.car as string | undefined
  const rpc = options.rpc as string | undefined
  const gateways = (options.gateway as string[] | undefined) ?? []
  const timeoutMs = parseTimeout(options.timeout as string | undefined)
  if (dir === undefined && car === undefined && rpc === undefined && gateways.length === 0) {
    throw usageError('no store given: use --dir PATH, --car FILE, --rpc URL or --gateway URL')
  }
  if (dir !== undefined && rpc !== undefined && writes) {
    throw usageError('give one store to write to: --dir or --rpc, not both')
  }
  const opened: NamedStore[] = []
  let carRoots: CID[] = []
  try {
    if (dir !== undefined) {
      const store = await DirStore.open(dir, writes)
      opened.push({ name: `--dir ${dir}`, cas: store, close: () => store.close() })
    }
    if (car !== undefined) {
      const store = await CarFileStore.open(car).catch((cause: unknown) => {
        if ((cause as { code?: string }).code === 'ENOENT') {
          throw new CliError('ERR_NO_STORE', EXIT.notFound, `--car ${car}: no such file`, { cause })
        }
        throw cause
      })
      carRoots = store.roots
      opened.push({ name: `--car ${car}`, cas: store, close: () => store.close() })
    }
    if (rpc !== undefined) {
      const store = new RpcStore(checkUrl('--rpc', rpc), timeoutMs)
      opened.push({ name: `--rpc ${rpc}`, cas: store, close: () => store.close() })
    }
    if (gateways.length > 0) {
      // One KuboCAS over every gateway: it sets a failing or slow one aside for a while and asks the next.
      const store = new KuboCAS({
        gatewayBaseUrls: gateways.map((gateway) => checkUrl('--gateway', gateway)),
        timeoutMs,
        maxRetries: 1,
      })
      opened.push({
        name: gateways.map((gateway) => `--gateway ${gateway}`).join(' '),
        cas: store,
        close: () => store.close(),
      })
    }
  } catch (error) {
    await Promise.allSettled(opened.map((store) => store.close?.()))
    throw error
  }
  const writer = opened.find((store) => store.name.startsWith('--dir') || store.name.startsWith('--rpc'))
  return { store: new LayeredStore(opened, writer), carRoots }
}

function checkUrl(option: string, url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    throw usageError(`${option} ${url}: not an http(s) URL`)
  }
  return url.replace(/\/+$/, '')
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 60_000
  const seconds = Number(text)
  if (!Number.isFinite(seconds) || seconds <= 0) throw usageError(`--timeout ${text}: not a positive number of seconds`)
  return Math.ceil(seconds * 1000)
}
