import { describe, expect, test } from 'vitest'
import { hamt } from './helpers.js'

// The installed shape of the command: a child process, its exit codes and streams.
describe('the hamt process', () => {
  test('--help on stdout, exit 0; no command: help and exit 2', async () => {
    const help = await hamt(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: hamt COMMAND')
    const verifyHelp = await hamt(['verify', '--help'])
    expect(verifyHelp.code).toBe(0)
    expect(verifyHelp.stdout).toContain('Usage: hamt verify [ROOT]')
    expect((await hamt([])).code).toBe(2)
  })

  test('a reader that goes away early (`| head`) ends the command quietly', async () => {
    const { spawn } = await import('node:child_process')
    const { hamtInDir, tempDir } = await import('./helpers.js')
    const work = await tempDir()
    try {
      const root = await hamtInDir(work.path, 3000)
      const code = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--conditions=hamt-source', '--import', 'tsx', 'src/bin.ts', 'ls', root.toString(), '--dir', work.path],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        )
        let stderr = ''
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString()
        })
        child.stdout.once('data', () => child.stdout.destroy())
        child.on('close', (exit) => resolve({ code: exit, stderr }))
      })
      expect(code).toEqual({ code: 0, stderr: '' })
    } finally {
      await work.remove()
    }
  })

  test('usage errors: one line on stderr, exit 2; --json makes it JSON', async () => {
    const run = await hamt(['ls', '--dir', '/tmp', 'not-a-cid'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('hamt: ROOT "not-a-cid" is not a CID\n')
    expect(run.stdout).toBe('')
    const json = await hamt(['frob', '--json'])
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'ERR_USAGE', message: 'unknown command "frob" (see hamt --help)', exitCode: 2 },
    })
  })
})
