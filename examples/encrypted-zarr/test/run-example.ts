import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/** Runs this example's `src/main.ts` as `pnpm start` does and returns what it printed. */
export async function runExample(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, ['--conditions=hamt-source', '--import', 'tsx', 'src/main.ts', ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
}
