import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // One IPFS node for the whole run (tests that need their own start it themselves).
      globalSetup: ['./test/global-setup.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      coverage: { thresholds: { lines: 94, branches: 85 } },
    },
  }),
)
