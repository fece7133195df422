#!/usr/bin/env node
// Type-checks every ```ts block of every README in the repository, so documentation cannot rot.
// Each block is a module of its own; a block right after an HTML comment `<!-- continues -->`
// is appended to the block before it (for a walkthrough split by prose).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const here = new URL('.', import.meta.url).pathname
const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: here, encoding: 'utf8' }).trim()
const out = join(here, '.snippets')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const readmes = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*README.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file !== '' && !file.includes('node_modules/'))

/** Where each generated file came from, to report errors against the README. */
const origins = new Map()
let count = 0
for (const readme of readmes) {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n')
  const blocks = []
  let current
  let continues = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (current === undefined) {
      if (/^<!--\s*continues\s*-->/.test(line.trim())) continues = true
      else if (/^```(ts|typescript)\s*$/.test(line.trim())) current = { start: i + 2, body: [] }
      else if (line.trim() !== '') continues = false
    } else if (/^```\s*$/.test(line.trim())) {
      const previous = blocks.at(-1)
      if (continues && previous !== undefined) previous.body.push(...current.body)
      else blocks.push(current)
      current = undefined
      continues = false
    } else current.body.push(line)
  }
  blocks.forEach((block, n) => {
    const name = `${readme.replace(/[^A-Za-z0-9]+/g, '_')}_${n + 1}.ts`
    // `export {}` makes every block a module, so top-level await works and names do not clash.
    writeFileSync(join(out, name), `${block.body.join('\n')}\nexport {}\n`)
    origins.set(name, `${readme}, block ${n + 1} (from line ${block.start})`)
    count++
  })
}

writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify({
    extends: '../../../tsconfig.base.json',
    compilerOptions: { noEmit: true, noUnusedLocals: false, types: ['node'] },
    include: ['./*.ts'],
  }),
)
const tsc = spawnSync(process.execPath, [join(here, 'node_modules/typescript/bin/tsc'), '-p', out], {
  cwd: here,
  encoding: 'utf8',
})
const report = `${tsc.stdout}${tsc.stderr}`.replace(/\.snippets\/([A-Za-z0-9_]+\.ts)/g, (whole, file) =>
  origins.has(file) ? `${origins.get(file)} [${file}]` : whole,
)
if (tsc.status !== 0) {
  console.error(report)
  console.error(`README snippets: type errors in the ${count} TypeScript blocks checked`)
  process.exit(1)
}
console.log(`README snippets: all ${count} TypeScript blocks type-check`)
