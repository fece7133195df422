import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, expect, test } from 'vitest'

const exec = promisify(execFile)
const coreDir = fileURLToPath(new URL('..', import.meta.url))
const vectors = JSON.parse(await readFile(new URL('./vectors/pyhamt-hamt-public.json', import.meta.url), 'utf8'))
// The largest insert-only vector: keys k0..k{n-1}, values the bytes of v0..v{n-1}.
const vector = (vectors.B_insert.cases as { n: number; maxBucketSize: number; root: string }[]).reduce((a, b) =>
  b.n > a.n ? b : a,
)

let outside: string
beforeAll(async () => {
  outside = await mkdtemp(path.join(tmpdir(), 'hamt-bundle-'))
})
afterAll(async () => {
  await rm(outside, { recursive: true, force: true })
})

// A user's script bundled by esbuild for Node and run from a folder with no node_modules: blake3-wasm
// cannot find its .wasm file there, and @hamt/core must still start and give py-hamt's root.
test('a script bundled for Node runs from another folder and computes py-hamt’s root', async () => {
  const entry = path.join(outside, 'entry.ts')
  await writeFile(
    entry,
    `import { HAMT, blake3Implementation } from ${JSON.stringify(path.join(coreDir, 'src/index.ts'))}
import { InMemoryCAS } from ${JSON.stringify(path.join(coreDir, '../cas-memory/src/index.ts'))}
const hamt = await HAMT.build<Uint8Array>({ cas: new InMemoryCAS(), maxBucketSize: ${vector.maxBucketSize}, valuesAreBytes: true })
for (let i = 0; i < ${vector.n}; i++) await hamt.set('k' + i, new TextEncoder().encode('v' + i))
await hamt.makeReadOnly()
console.log(JSON.stringify({ root: hamt.rootNodeId.toString(), implementation: blake3Implementation }))
`,
  )
  const outfile = path.join(outside, 'bundle.mjs')
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    conditions: ['hamt-source', 'node'],
    logLevel: 'silent',
  })
  // No NODE_PATH: package managers set one for scripts, and a user's machine has none.
  const env = { ...process.env, NODE_PATH: '' }
  const { stdout } = await exec(process.execPath, [outfile], { cwd: outside, env, timeout: 60_000 })
  const result = JSON.parse(stdout) as { root: string; implementation: string }
  expect(result.root).toBe(vector.root)
  // Outside the install the wasm file is out of reach: the JavaScript hash took over.
  expect(result.implementation).toBe('js')
})

test('in the installed package the fast WebAssembly hash is used', async () => {
  const { blake3Implementation } = await import('../src/index.js')
  expect(blake3Implementation).toBe('wasm')
})
