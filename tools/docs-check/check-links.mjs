#!/usr/bin/env node
// A package's README is also its page on the npm registry, where a relative link (`../core`) points
// nowhere. Links from packages/*/README.md must be absolute; links into this repository must use
// the repository's URL and name a path that exists, so they do not rot when a file moves.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const here = new URL('.', import.meta.url).pathname
const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: here, encoding: 'utf8' }).trim()
/** Where the repository's files are browsed (package.json `repository` is git+https://github.com/hamt-ts/hamt.git). */
const REPO_TREE = /^https:\/\/github\.com\/hamt-ts\/hamt\/(?:tree|blob)\/main\/([^#?]*)/

const readmes = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', 'packages/*/README.md'],
  {
    cwd: root,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((file) => /^packages\/[^/]+\/README\.md$/.test(file)) // git's `*` also crosses folders

/** Every link target of a Markdown file: inline `[text](target)` and reference `[name]: target`, with line numbers. */
function linkTargets(text) {
  const found = []
  const lines = text.split('\n')
  let fenced = false
  lines.forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced
    if (fenced) return
    const code = /`[^`]*`/g
    const prose = line.replace(code, (span) => (span.includes('](') ? span : ' '.repeat(span.length)))
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: match[1], line: i + 1 })
    }
    const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line)
    if (reference) found.push({ target: reference[1], line: i + 1 })
  })
  return found
}

const problems = []
let count = 0
for (const readme of readmes) {
  for (const { target, line } of linkTargets(readFileSync(join(root, readme), 'utf8'))) {
    count++
    if (target.startsWith('#') || /^mailto:/.test(target)) continue
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      problems.push(
        `${readme}:${line}: relative link '${target}' breaks on the npm registry page; use https://github.com/hamt-ts/hamt/tree/main/…`,
      )
      continue
    }
    const inRepo = REPO_TREE.exec(target)
    if (inRepo && !existsSync(join(root, decodeURIComponent(inRepo[1] ?? '')))) {
      problems.push(`${readme}:${line}: '${target}' names '${inRepo[1]}', which is not in the repository`)
    }
  }
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error(`package README links: ${problems.length} of ${count} links would not work on npm`)
  process.exit(1)
}
console.log(`package README links: all ${count} links in ${readmes.length} package READMEs are absolute and resolve`)
