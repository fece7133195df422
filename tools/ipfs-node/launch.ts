/**
 * Starts a real IPFS node for tests: Kubo when a binary is available (`KUBO_BINARY`, or `ipfs` on
 * PATH), else js-ipfs behind a loopback shim (server.js; see README.md). Both listen on loopback
 * ports picked by the OS, in a fresh temporary repo that `stop()` removes.
 *
 * Import it from any test by relative path: `import { startIpfsNode } from '<…>/tools/ipfs-node/launch.js'`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** A running IPFS node. */
export interface IpfsNode {
  /** Base URL of the RPC API (`/api/v0/...`), e.g. `http://127.0.0.1:45123`. */
  rpcUrl: string
  /** Base URL of the HTTP gateway (`/ipfs/<cid>`). */
  gatewayUrl: string
  /** Which implementation runs. */
  implementation: 'kubo' | 'js-ipfs'
  /** Stops the node and deletes its repo. Safe to call twice. */
  stop(): Promise<void>
}

/** Options of {@link startIpfsNode}. */
export interface StartIpfsNodeOptions {
  /** Make the RPC API require these credentials (Kubo's `API.Authorizations`); the gateway stays open. */
  rpcAuth?: { username: string; password: string } | { bearerToken: string }
  /** Give up if the node is not ready in this time. Default 60 s. */
  startTimeoutMs?: number
}

const HERE = fileURLToPath(new URL('.', import.meta.url))
const SERVER = join(HERE, 'server.js')
/** The command that installs the js-ipfs fallback. */
export const INSTALL_COMMAND = 'sh tools/ipfs-node/install.sh'

/** Starts an IPFS node (see the module comment); resolves once both the RPC API and the gateway answer. */
export async function startIpfsNode(options: StartIpfsNodeOptions = {}): Promise<IpfsNode> {
  const kubo = await findKubo()
  const repo = await mkdtemp(join(tmpdir(), 'hamt-ipfs-'))
  try {
    return kubo === undefined ? await startJsIpfs(repo, options) : await startKubo(kubo, repo, options)
  } catch (error) {
    await rm(repo, { recursive: true, force: true })
    throw error
  }
}

async function findKubo(): Promise<string | undefined> {
  const explicit = process.env.KUBO_BINARY
  if (explicit) {
    await access(explicit, constants.X_OK).catch(() => {
      throw new Error(`KUBO_BINARY=${explicit} is not an executable file`)
    })
    return explicit
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, 'ipfs')
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

async function startJsIpfs(repo: string, options: StartIpfsNodeOptions): Promise<IpfsNode> {
  try {
    await access(join(HERE, 'node_modules', 'ipfs-core', 'package.json'))
  } catch {
    throw new Error(
      `No Kubo binary (set KUBO_BINARY or put ipfs on PATH) and the js-ipfs fallback is not installed: run \`${INSTALL_COMMAND}\` from the repository root`,
    )
  }
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_OPTIONS // the test runner's loaders are not for this process
  if (options.rpcAuth !== undefined) env.HAMT_IPFS_RPC_AUTHORIZATION = authorizationHeader(options.rpcAuth)
  // stdin is a pipe the server watches: if this process dies, the node goes too.
  const child = spawn(process.execPath, [SERVER, join(repo, 'repo')], {
    cwd: HERE,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const ready = await waitForOutput(child, options.startTimeoutMs ?? 60_000, (line) => {
    if (!line.startsWith('{')) return undefined
    const info = JSON.parse(line) as { ready?: boolean; rpcUrl: string; gatewayUrl: string }
    return info.ready === true ? info : undefined
  })
  return handle(child, repo, ready.rpcUrl, ready.gatewayUrl, 'js-ipfs')
}

async function startKubo(binary: string, repo: string, options: StartIpfsNodeOptions): Promise<IpfsNode> {
  const env = { ...process.env, IPFS_PATH: repo }
  const run = promisify(execFile)
  const ipfs = (...args: string[]) => run(binary, args, { env })
  // The test profile: loopback ports picked by the OS, no bootstrap peers, no MDNS.
  await ipfs('init', '--profile=test', '--empty-repo')
  await ipfs('config', '--json', 'Addresses.API', '"/ip4/127.0.0.1/tcp/0"')
  await ipfs('config', '--json', 'Addresses.Gateway', '"/ip4/127.0.0.1/tcp/0"')
  await ipfs('config', '--json', 'API.HTTPHeaders', JSON.stringify({ 'Access-Control-Allow-Origin': ['*'] }))
  if (options.rpcAuth !== undefined) {
    const secret =
      'bearerToken' in options.rpcAuth
        ? `bearer:${options.rpcAuth.bearerToken}`
        : `basic:${options.rpcAuth.username}:${options.rpcAuth.password}`
    await ipfs(
      'config',
      '--json',
      'API.Authorizations',
      JSON.stringify({ 'hamt-tests': { AuthSecret: secret, AllowedPaths: ['/api/v0'] } }),
    )
  }
  const child = spawn(binary, ['daemon', '--offline'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let rpcUrl: string | undefined
  let gatewayUrl: string | undefined
  await waitForOutput(child, options.startTimeoutMs ?? 60_000, (line) => {
    const api = /API server listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(line)
    if (api) rpcUrl = `http://${api[1]}:${api[2]}`
    const gateway = /Gateway .*server listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(line)
    if (gateway) gatewayUrl = `http://${gateway[1]}:${gateway[2]}`
    return line.includes('Daemon is ready') ? true : undefined
  })
  if (rpcUrl === undefined || gatewayUrl === undefined) {
    child.kill('SIGKILL')
    throw new Error('Kubo started but did not print its RPC API and gateway addresses')
  }
  return handle(child, repo, rpcUrl, gatewayUrl, 'kubo')
}

function handle(
  child: ChildProcess,
  repo: string,
  rpcUrl: string,
  gatewayUrl: string,
  implementation: IpfsNode['implementation'],
): IpfsNode {
  let stopping: Promise<void> | undefined
  return {
    rpcUrl,
    gatewayUrl,
    implementation,
    stop() {
      stopping ??= (async () => {
        await terminate(child)
        await rm(repo, { recursive: true, force: true })
      })()
      return stopping
    },
  }
}

/** Waits until `match` returns something for a line of stdout; fails on exit or timeout, with stderr. */
function waitForOutput<T>(child: ChildProcess, timeoutMs: number, match: (line: string) => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let stderr = ''
    let buffered = ''
    const fail = (message: string): void => {
      cleanup()
      child.kill('SIGKILL')
      reject(new Error(`${message}${stderr ? `\n--- node stderr ---\n${stderr.slice(-4000)}` : ''}`))
    }
    const onStdout = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8')
      let newline = buffered.indexOf('\n')
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim()
        buffered = buffered.slice(newline + 1)
        newline = buffered.indexOf('\n')
        let result: T | undefined
        try {
          result = match(line)
        } catch (error) {
          fail(`IPFS node printed an unreadable line: ${line} (${String(error)})`)
          return
        }
        if (result !== undefined) {
          cleanup()
          // Keep draining the pipes so the node never blocks on a full buffer.
          child.stdout?.resume()
          child.stderr?.resume()
          resolve(result)
          return
        }
      }
    }
    const onStderr = (chunk: Buffer): void => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8000)
    }
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`IPFS node exited before it was ready (code ${code}, signal ${signal})`)
    const timer = setTimeout(() => fail(`IPFS node not ready after ${timeoutMs} ms`), timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onStdout)
      child.stderr?.off('data', onStderr)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onStdout)
    child.stderr?.on('data', onStderr)
    child.once('exit', onExit)
  })
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

function authorizationHeader(auth: NonNullable<StartIpfsNodeOptions['rpcAuth']>): string {
  if ('bearerToken' in auth) return `Bearer ${auth.bearerToken}`
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
}
