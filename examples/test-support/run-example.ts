import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/**
 * Runs the `src/main.ts` of the example in `exampleDir` as `pnpm start` does (TypeScript sources
 * through the `hamt-source` condition) and returns what it printed.
 */
export async function runExample(
  exampleDir: URL,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, ['--conditions=hamt-source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: fileURLToPath(exampleDir),
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
}
