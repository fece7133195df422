// TypeDoc over every public package (packages/* not marked private), one entry point each: its
// src/index.ts, the module its package.json exports. Output goes to docs/api at the repository root.
// Validation fails the run on any public member without a doc comment, so the reference stays complete.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('../..', import.meta.url).pathname
const packagesDir = join(root, 'packages')

/** Every public package's directory, from its package.json's `private` field. */
const publicPackages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(packagesDir, entry.name))
  .filter((dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private !== true
    } catch {
      return false
    }
  })
  .sort()

/** Their npm names: TypeDoc requires docs only of these (not of re-exported dependencies such as CID). */
const packageNames = publicPackages.map((dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name)

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'hamt',
  entryPointStrategy: 'packages',
  entryPoints: publicPackages,
  packageOptions: {
    entryPoints: ['src/index.ts'],
    // Each package's tsconfig.json also covers its tests; that does not change what is documented.
    tsconfig: 'tsconfig.json',
    // Conversion happens per package, so what to leave out is said here (`@internal` members, `#private`).
    excludePrivate: true,
    excludeInternal: true,
    // Source links from the published repository, not from whatever remote (if any) a clone has.
    disableGit: true,
    sourceLinkTemplate: 'https://github.com/hamt-ts/hamt/blob/main/{path}#L{line}',
  },
  out: join(root, 'docs/api'),
  readme: join(root, 'tools/docs-check/api-index.md'),
  packagesRequiringDocumentation: packageNames,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatValidationWarningsAsErrors: true,
  treatWarningsAsErrors: true,
}
