import { access, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Metafile } from 'esbuild'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'

// A user's page bundled by esbuild for the browser: @hamt/core and @hamt/cas-memory must bundle with
// no Node built-in, and the page, run in Chromium, must compute py-hamt's root for a golden vector.

const coreDir = fileURLToPath(new URL('..', import.meta.url))
const vectors = JSON.parse(await readFile(new URL('./vectors/pyhamt-hamt-public.json', import.meta.url), 'utf8'))
// The largest insert-only vector: keys k0..k{n-1}, values the bytes of v0..v{n-1}.
const vector = (vectors.B_insert.cases as { n: number; maxBucketSize: number; root: string }[]).reduce((a, b) =>
  b.n > a.n ? b : a,
)

/** Debian's chromium, as the browser viewer's test uses; Playwright's own download is not available here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const chromiumMissing = await access(CHROMIUM, constants.X_OK).then(
  () => undefined,
  () => `no Chromium at ${CHROMIUM}`,
)
if (chromiumMissing !== undefined) {
  // Said where the test output shows it, as scripts/test.mjs does for the browser viewer; the skip is
  // also counted in the run's closing line.
  console.warn(
    `SKIPPED @hamt/core in Chromium: ${chromiumMissing}. To run it: sudo apt-get install chromium ` +
      '(or set CHROMIUM_PATH to a Chromium binary), then run the tests again',
  )
}

let dir: string
let bundle: { code: string; metafile: Metafile }
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hamt-browser-bundle-'))
  const entry = path.join(dir, 'page.ts')
  await writeFile(
    entry,
    `import { HAMT, blake3Implementation } from ${JSON.stringify(path.join(coreDir, 'src/index.ts'))}
import { InMemoryCAS } from ${JSON.stringify(path.join(coreDir, '../cas-memory/src/index.ts'))}
const page = globalThis as unknown as { hamtResult?: unknown }
try {
  const hamt = await HAMT.build<Uint8Array>({ cas: new InMemoryCAS(), maxBucketSize: ${vector.maxBucketSize}, valuesAreBytes: true })
  for (let i = 0; i < ${vector.n}; i++) await hamt.set('k' + i, new TextEncoder().encode('v' + i))
  await hamt.makeReadOnly()
  page.hamtResult = { root: hamt.rootNodeId.toString(), implementation: blake3Implementation }
} catch (error) {
  page.hamtResult = { error: String((error as Error)?.stack ?? error) }
}
`,
  )
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    conditions: ['hamt-source', 'browser'],
    logLevel: 'silent',
  })
  bundle = { code: result.outputFiles[0]?.text ?? '', metafile: result.metafile }
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('core and cas-memory bundle for the browser without any Node built-in', () => {
  // With platform=browser esbuild fails on an unresolvable built-in; these checks also catch one
  // marked external or shimmed, and the Node-only BLAKE3 path being pulled in.
  const inputs = Object.keys(bundle.metafile.inputs)
  expect(inputs.length).toBeGreaterThan(10)
  expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([])
  const imports = Object.values(bundle.metafile.inputs).flatMap((input) => input.imports)
  expect(imports.filter((i) => i.path.startsWith('node:') || i.external === true)).toEqual([])
  expect(inputs.some((input) => input.endsWith('src/blake3/browser.ts'))).toBe(true)
  expect(inputs.filter((input) => input.endsWith('blake3/node.ts') || input.includes('blake3-wasm'))).toEqual([])
  expect(bundle.code).not.toMatch(/\brequire\(["'](node:)?(fs|path|module|crypto|url|os)["']\)/)
})

test.skipIf(chromiumMissing !== undefined)(
  'the bundled page computes py-hamt’s root in Chromium',
  async () => {
    const server = await serve({
      '/': {
        type: 'text/html',
        body: '<!doctype html><title>hamt</title><script type="module" src="/page.js"></script>',
      },
      '/page.js': { type: 'text/javascript', body: bundle.code },
    })
    let browser: Browser | undefined
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      })
      const page = await browser.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', (error) => pageErrors.push(error.message))
      await page.goto(server.url)
      const handle = await page.waitForFunction(() => (globalThis as { hamtResult?: unknown }).hamtResult, null, {
        timeout: 30_000,
      })
      const result = (await handle.jsonValue()) as { root?: string; implementation?: string; error?: string }
      expect(pageErrors).toEqual([])
      expect(result.error).toBeUndefined()
      expect(result.root).toBe(vector.root)
      expect(result.implementation).toBe('js') // @noble/hashes, the browser path
      // The page really ran in Chromium: a browser's user agent, and nothing of Node's.
      expect(await page.evaluate(() => navigator.userAgent)).toMatch(/Chrome\//)
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
    } finally {
      await browser?.close()
      await server.close()
    }
  },
  90_000,
)

/** A static HTTP server on loopback for the given paths. */
async function serve(
  files: Record<string, { type: string; body: string }>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname]
    if (file === undefined) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': file.type }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
