import { mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.js'

// The browser test builds the page and starts an IPFS node and Chromium: more time than a unit test.
export default mergeConfig(shared, { test: { testTimeout: 120_000, hookTimeout: 120_000 } })
