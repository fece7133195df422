#!/usr/bin/env node
// Runs every package's tests and ends with one line for the whole workspace: "tests: N passed, N failed".
// First it prepares what the tests start for real: the IPFS node's own install and Chromium.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' }
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1

const setupSteps = [
  ['tools/ipfs-node/install.sh', 'the IPFS node used by the Kubo and example tests'],
  ['examples/browser-viewer/scripts/ensure-chromium.sh', 'Chromium for the browser viewer test'],
]
for (const [script, what] of setupSteps) {
  if (!existsSync(join(root, script))) continue
  console.log(`> setting up ${what}`)
  if (run('bash', [script]) !== 0) {
    console.error(`setup failed: ${script}`)
    process.exit(1)
  }
}

const packageDirs = ['packages', 'examples'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .map((name) => join(root, group, name))
        .filter((dir) => statSync(dir).isDirectory())
    : [],
)
for (const dir of packageDirs) rmSync(join(dir, '.test-results.json'), { force: true })

const status = run('npx', ['turbo', 'run', 'test', '--concurrency=1', ...process.argv.slice(2)])

let passed = 0
let failed = 0
let skipped = 0
for (const dir of packageDirs) {
  const file = join(dir, '.test-results.json')
  if (!existsSync(file)) continue
  const results = JSON.parse(readFileSync(file, 'utf8'))
  passed += results.numPassedTests
  failed += results.numFailedTests
  skipped += results.numPendingTests + results.numTodoTests
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
process.exit(status !== 0 || failed > 0 || passed === 0 ? 1 : 0)
