import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // One IPFS node for the whole run (the --rpc and --gateway tests).
      globalSetup: ['./test/global-setup.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      coverage: { thresholds: { lines: 85, branches: 70 } },
    },
  }),
)
