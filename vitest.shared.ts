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
    testTimeout: 60_000,
  },
})
