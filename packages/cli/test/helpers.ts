import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { type CID, HAMT } from '@hamt/core'
import { ZarrHAMTStore } from '@hamt/zarr'
import * as zarr from 'zarrita'
import { main } from '../src/main.js'
import { DirStore } from '../src/stores/dir-store.js'

const PACKAGE = new URL('..', import.meta.url).pathname
const BIN = join(PACKAGE, 'src/bin.ts')

/** What a run of `hamt` left. */
export interface Run {
  code: number
  stdout: string
  stderr: string
  /** stdout's bytes, for binary output. */
  bytes: Uint8Array
}

/**
 * Runs the real `hamt` command in a child process, from the TypeScript sources (tsx, the
 * `hamt-source` condition), with `stdin` piped in when given. Stdout and stderr are pipes, not
 * terminals, as in a script.
 */
export function hamt(args: string[], options: { stdin?: Uint8Array | string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=hamt-source', '--import', 'tsx', BIN, ...args], {
      cwd: options.cwd ?? PACKAGE,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const bytes = Buffer.concat(out)
      resolve({ code: code ?? -1, stdout: bytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), bytes })
    })
    if (options.stdin !== undefined) child.stdin.end(options.stdin)
    else child.stdin.end()
  })
}

/** Runs `hamt` in this process (same code path as the binary, without the start-up cost). */
export async function hamtIn(args: string[], options: { stdin?: Uint8Array; tty?: boolean } = {}): Promise<Run> {
  const stdout = new PassThrough()
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty === true, columns: 100 })
  const out: Buffer[] = []
  const err: Buffer[] = []
  stdout.on('data', (chunk: Buffer) => out.push(chunk))
  stderr.on('data', (chunk: Buffer) => err.push(chunk))
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin])
  const code = await main(args, { stdin, stdout, stderr })
  const bytes = Buffer.concat(out)
  return { code, stdout: bytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), bytes }
}

/** A fresh temporary directory; removed by the returned function. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'hamt-cli-'))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** A HAMT of `count` keys (`key-0`…) with byte values (`value-0`…) in a blockstore-fs directory. */
export async function hamtInDir(dir: string, count: number, prefix = 'key'): Promise<CID> {
  const store = await DirStore.open(dir, true)
  try {
    const utf8 = new TextEncoder()
    const hamt = await HAMT.fromEntries<Uint8Array>(
      Array.from({ length: count }, (_, i) => [`${prefix}-${i}`, utf8.encode(`value-${i}`)] as const),
      { cas: store, valuesAreBytes: true },
    )
    return hamt.rootNodeId
  } finally {
    await store.close()
  }
}

/** A small Zarr dataset in a HAMT (a 5×3 float32 array in 2×2 chunks), in a blockstore-fs directory. */
export async function zarrInDir(dir: string): Promise<CID> {
  const cas = await DirStore.open(dir, true)
  try {
    const hamt = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
    const store = new ZarrHAMTStore(hamt)
    await zarr.create(store)
    const temp = await zarr.create(zarr.root(store).resolve('temp'), {
      shape: [5, 3],
      chunkShape: [2, 2],
      dtype: 'float32',
      fillValue: 0,
    })
    await zarr.set(temp, null, {
      data: Float32Array.from({ length: 15 }, (_, i) => i / 2),
      shape: [5, 3],
      stride: [3, 1],
    })
    return await store.commit()
  } finally {
    await cas.close()
  }
}
