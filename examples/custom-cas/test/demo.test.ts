import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { runExample } from './run-example.js'

// py-hamt's root for keys k0..k999 -> bytes v0..v999 (packages/core/test/vectors, B-insert-n1000-b4).
const PY_HAMT_ROOT_N1000 = 'bafyr4if63airx5zxu7pemwy7wq25y7c3mipj5xtcyxbholsip7fxx42hy4'

let dataDir: string
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'custom-cas-demo-'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

test('the first run writes the HAMT to disk and the second reopens it', async () => {
  const first = await runExample(['--entries', '1000', '--data-dir', dataDir])
  expect(first.stdout).toContain('No saved HAMT yet: writing 1,000 entries')
  expect(first.stdout).toContain(`Root CID: ${PY_HAMT_ROOT_N1000}`)

  const second = await runExample(['--entries', '1000'], { HAMT_DATA_DIR: dataDir })
  expect(second.stdout).toContain(`Found the HAMT saved by an earlier run: root CID ${PY_HAMT_ROOT_N1000}`)
  expect(second.stdout).toContain('checked 1,000 entries')
  expect(second.stdout).not.toContain('No saved HAMT yet')

  const reset = await runExample(['--entries', '20', '--data-dir', dataDir, '--reset'])
  expect(reset.stdout).toContain('No saved HAMT yet: writing 20 entries')
})

test('a bad --entries is refused with a message', async () => {
  await expect(runExample(['--entries', 'many', '--data-dir', dataDir])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--entries must be a positive integer'),
  })
  await expect(runExample(['--data-dir'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/--data-dir[\s\S]*usage: /),
  })
})
