import { defineConfig, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      coverage: {
        // The tests cover the delaying gateway and the verdicts; the rest is the benchmark itself, run by `bench`.
        exclude: [
          'src/cold.ts',
          'src/dataset.ts',
          'src/gateway-worker.*',
          'src/main.ts',
          'src/reads.ts',
          'src/remote-gateway.ts',
        ],
        thresholds: { lines: 85, branches: 75 },
      },
    },
  }),
)
