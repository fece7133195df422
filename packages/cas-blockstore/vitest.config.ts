import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // Two Helia nodes talk over TCP on 127.0.0.1 in one test; Helia needs a polyfill on Node 20.
      setupFiles: ['./test/node20-polyfills.ts'],
      testTimeout: 120_000,
      hookTimeout: 60_000,
      coverage: { thresholds: { lines: 95, branches: 80 } },
    },
  }),
)
