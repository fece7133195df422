import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The Kubo-equivalence test adds through a real IPFS node.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      coverage: { thresholds: { lines: 95, branches: 80 } },
    },
  }),
)
