import { runExample as run } from '../../test-support/run-example.js'

/** Runs this example's `src/main.ts` as `pnpm start` does and returns what it printed. */
export const runExample = (args: readonly string[], env?: Record<string, string>) =>
  run(new URL('..', import.meta.url), args, env)
