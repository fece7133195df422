import { expect, test } from 'vitest'
import { runExample } from './run-example.js'

const SMALL = ['--days', '30', '--resolution', '15', '--time-chunk', '10']

test('reads the data back with the key through both schemes, and the wrong key fails', async () => {
  const { stdout, stderr } = await runExample([...SMALL, '--key', 'ab'.repeat(32)])
  expect(stderr).toBe('')
  expect(stdout).toContain('(30 days, 15° grid), encrypted with the given key')
  const mean = /Unencrypted: [\d,]+ bytes in \d+ blocks; global mean of day 1: (-?[\d.]+ °C)/.exec(stdout)?.[1]
  expect(mean).toBeDefined()
  // The demo compares the decrypted values with the unencrypted ones itself and fails if they differ.
  expect(stdout.split(`global mean of day 1: ${mean}, as unencrypted`)).toHaveLength(3)
  expect(stdout).toContain('without the key: ZarrMetadataError: The value of "zarr.json" is not Zarr metadata')
  expect(stdout).toContain(
    'wrong key:       DecryptionError: Cannot decrypt the value of "zarr.json": authentication failed',
  )
  expect(stdout).toContain(
    'without the key: variables precipitation, temperature; temperature is float32 30 × 12 × 24 in degC, latitude -82.5..82.5',
  )
  expect(stdout).toContain('wrong key:       DecryptionError: Cannot decrypt the value: authentication failed')
})

test('the encrypted roots differ between runs: every value gets a fresh nonce', async () => {
  const roots = async () => [...(await runExample(SMALL)).stdout.matchAll(/root CID (bafyr4\w+)/g)].map((m) => m[1])
  const [a, b] = await Promise.all([roots(), roots()])
  expect(a).toHaveLength(2)
  expect(b).toHaveLength(2)
  expect(a[0]).not.toBe(b[0])
  expect(a[1]).not.toBe(b[1])
})

test('a malformed key is refused before anything is written', async () => {
  await expect(runExample(['--key', 'beef'])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringContaining('--key must be 64 hex digits'),
  })
})
