import { defineConfig } from 'vitest/config'

/**
 * Shared test configuration: tests import each workspace package through its `hamt-source`
 * export condition, so they run against the TypeScript sources with no build step.
 */
export default defineConfig({
  resolve: { conditions: ['hamt-source'] },
  ssr: { resolve: { conditions: ['hamt-source'] } },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The JSON file feeds the one-line summary scripts/test.mjs prints for the whole workspace.
    reporters: ['default', ['json', { outputFile: '.test-results.json' }]],
    testTimeout: 60_000,
    // Thresholds are each package's own (its vitest.config.ts); what is measured is the same everywhere.
    coverage: { provider: 'v8', include: ['src/**/*.ts'] },
  },
})
