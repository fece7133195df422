#!/usr/bin/env node
// Runs every package's tests and ends with one line for the whole workspace:
// "tests: N passed, N failed" (", N skipped" when a package could not run here, said above it).
// First it prepares what the tests start for real: the IPFS node's own install and Chromium.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' }
const run = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1

// The exit code ensure-chromium.sh uses for "no browser, and this user cannot install one".
const CANNOT_INSTALL = 3

console.log('> setting up the IPFS node used by the Kubo and example tests (tools/ipfs-node)')
if (run('sh', ['tools/ipfs-node/install.sh']) !== 0) {
  console.error('setup failed: tools/ipfs-node/install.sh')
  process.exit(1)
}

const skippedPackages = []
console.log('> setting up Chromium for the browser viewer test')
const chromium = run('sh', ['examples/browser-viewer/scripts/ensure-chromium.sh'])
if (chromium === CANNOT_INSTALL) {
  skippedPackages.push({
    name: 'browser-viewer',
    dir: join(root, 'examples', 'browser-viewer'),
    why: 'no Chromium, and installing one needs root',
    enable: 'sudo apt-get install chromium (or set CHROMIUM_PATH to a Chromium binary), then run the tests again',
  })
} else if (chromium !== 0) {
  console.error('setup failed: examples/browser-viewer/scripts/ensure-chromium.sh')
  process.exit(1)
}

const packageDirs = ['packages', 'examples', 'benchmarks'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .map((name) => join(root, group, name))
        .filter((dir) => statSync(dir).isDirectory() && existsSync(join(dir, 'package.json')))
    : [],
)
for (const dir of packageDirs) rmSync(join(dir, '.test-results.json'), { force: true })

const filters = skippedPackages.map((p) => `--filter=!${p.name}`)
const status = run('npx', [
  'turbo',
  'run',
  'test',
  '--concurrency=1',
  '--continue',
  ...filters,
  ...process.argv.slice(2),
])

let passed = 0
let failed = 0
let skipped = 0
const problems = []
for (const dir of packageDirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (pkg.scripts?.test === undefined || skippedPackages.some((p) => p.dir === dir)) continue
  const file = join(dir, '.test-results.json')
  if (!existsSync(file)) {
    // The package's test command died before vitest wrote its report: that is a failure, not silence.
    failed += 1
    problems.push(`${relative(root, dir)}: no test results (its test command failed before reporting)`)
    continue
  }
  const results = JSON.parse(readFileSync(file, 'utf8'))
  for (const suite of results.testResults ?? []) {
    const tests = suite.assertionResults ?? []
    const count = (status) => tests.filter((t) => t.status === status).length
    passed += count('passed')
    if (suite.status === 'failed') {
      // A suite that failed as a whole (a beforeAll that threw, an import error) did not run its
      // remaining tests: each of them is a failure, and a suite with none counts once.
      const notPassed = tests.length - count('passed')
      failed += Math.max(1, notPassed)
      if (count('failed') === 0) problems.push(`${relative(root, suite.name)}: ${firstLine(suite.message)}`)
    } else {
      failed += count('failed')
      skipped += count('pending') + count('skipped') + count('todo')
    }
  }
}

for (const problem of problems) console.error(`FAILED SUITE ${problem}`)
for (const p of skippedPackages) {
  console.log(`SKIPPED ${p.name}: its tests did not run (${p.why}). To run them: ${p.enable}`)
  skipped += 1
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
if (status !== 0 && failed === 0) {
  // Every test passed but a package's test command still failed: a coverage threshold, most often.
  console.error('FAILED: a test command exited non-zero with its tests passing (see turbo\'s "Failed:" line above)')
}
process.exit(status !== 0 || failed > 0 || passed === 0 ? 1 : 0)

function firstLine(text) {
  return (
    String(text ?? 'failed')
      .split('\n')
      .find((line) => line.trim() !== '') ?? 'failed'
  )
}
