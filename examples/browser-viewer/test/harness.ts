import { access, constants, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium } from 'playwright-core'
import { build, type PreviewServer, preview } from 'vite'

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url))
/** Debian's chromium; Playwright's own browser download is not available on the test machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** The built page served on loopback, as `vite build && vite preview` would. */
export interface ViewerServer {
  url: string
  close(): Promise<void>
}

export async function serveViewer(): Promise<ViewerServer> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'browser-viewer-dist-'))
  let server: PreviewServer | undefined
  try {
    await build({ root: EXAMPLE_DIR, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    server = await preview({
      root: EXAMPLE_DIR,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
    })
    const url = server.resolvedUrls?.local[0]
    if (url === undefined) throw new Error('vite preview started without a local URL')
    const started = server
    return {
      url,
      async close() {
        await started.close()
        await rm(outDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await server?.close()
    await rm(outDir, { recursive: true, force: true })
    throw error
  }
}

/** A headless Chromium with a fresh profile that `close()` deletes. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  try {
    await access(CHROMIUM, constants.X_OK)
  } catch {
    throw new Error(
      `${CHROMIUM} is missing: run examples/browser-viewer/scripts/ensure-chromium.sh (or set CHROMIUM_PATH)`,
    )
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'browser-viewer-profile-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1000, height: 900 },
      deviceScaleFactor: 1,
    })
    return {
      context,
      async close() {
        await context.close()
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}
