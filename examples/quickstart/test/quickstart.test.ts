import { expect, test } from 'vitest'
import { runExample } from './run-example.js'

// py-hamt's root for keys k0..k999 -> bytes v0..v999 (packages/core/test/vectors, B-insert-n1000-b4).
const PY_HAMT_ROOT_N1000 = 'bafyr4if63airx5zxu7pemwy7wq25y7c3mipj5xtcyxbholsip7fxx42hy4'

test('writes, commits, reopens, reads, deletes and iterates, printing py-hamt’s root CID', async () => {
  // With the `--` that `pnpm start -- --entries 1000` passes on.
  const { stdout, stderr } = await runExample(['--', '--entries', '1000'])
  expect(stdout).toContain('Wrote and committed 1,000 entries')
  expect(stdout).toContain(`Root CID: ${PY_HAMT_ROOT_N1000}`)
  expect(stdout).toContain('read back 1,000 entries')
  expect(stdout).toContain('all match')
  expect(stdout).toContain('get("k42") -> "v42", get("nope") -> undefined')
  expect(stdout).toMatch(/Deleted k0\.\.k9 in [\d.]+ ms; new root CID: bafyr4i/)
  expect(stdout).not.toContain(`new root CID: ${PY_HAMT_ROOT_N1000}`)
  expect(stdout).toContain('has("k0") -> false now, true at the old root')
  expect(stdout).toContain('Iterated 990 keys')
  // Not a terminal: no progress bar output anywhere.
  expect(stderr).toBe('')
})

test('a bad --entries is refused with a message', async () => {
  await expect(runExample(['--entries=-5'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--entries must be an integer'),
  })
  await expect(runExample(['--entires', '5'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/Unknown option '--entires'[\s\S]*usage: /),
  })
})
