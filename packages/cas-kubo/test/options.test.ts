import ky from 'ky'
import { describe, expect, it } from 'vitest'
import { KuboCAS, parseRetryAfter } from '../src/index.js'

describe('KuboCAS options', () => {
  it('defaults to a local Kubo node', () => {
    const cas = new KuboCAS()
    expect(cas.rpcBaseUrl).toBe('http://127.0.0.1:5001')
    expect(cas.gatewayBaseUrl).toBe('http://127.0.0.1:8080')
    expect(cas.hasher).toBe('blake3')
    expect(cas.chunker).toBe('size-1048576')
    expect(cas.concurrency).toBe(128)
    expect(cas.pinOnAdd).toBe(false)
    expect(cas.gatewayBaseUrls).toEqual(['http://127.0.0.1:8080'])
    expect(cas.verifyFiles).toBe(true)
    expect(cas.trustless).toBe(false)
  })

  it('gatewayBaseUrls are normalised, and the first is gatewayBaseUrl', () => {
    const cas = new KuboCAS({ gatewayBaseUrls: ['https://a.example/ipfs/', 'https://b.example/'] })
    expect(cas.gatewayBaseUrls).toEqual(['https://a.example', 'https://b.example'])
    expect(cas.gatewayBaseUrl).toBe('https://a.example')
    expect(Object.isFrozen(cas.gatewayBaseUrls)).toBe(true)
  })

  it.each([
    ['https://gw.example', 'https://gw.example'],
    ['https://gw.example/', 'https://gw.example'],
    ['https://gw.example/ipfs', 'https://gw.example'],
    ['https://gw.example/ipfs/', 'https://gw.example'],
    ['https://gw.example/ipfs/bafyfoo', 'https://gw.example'],
    ['https://gw.example/prefix/ipfs/', 'https://gw.example/prefix'],
    ['http://127.0.0.1:8080//', 'http://127.0.0.1:8080'],
  ])('normalises the gateway URL %s', (given, expected) => {
    expect(new KuboCAS({ gatewayBaseUrl: given }).gatewayBaseUrl).toBe(expected)
  })

  it.each(['size-1', 'size-262144', 'rabin', 'rabin-16-32-64'])('accepts chunker %s', (chunker) => {
    expect(new KuboCAS({ chunker }).chunker).toBe(chunker)
  })

  it.each(['size-0', 'size-', 'size-01', 'rabin-1-2', 'rabin-64-32-16', 'buzhash', '', 'size-10;rm'])(
    'rejects chunker %j up front',
    (chunker) => {
      expect(() => new KuboCAS({ chunker })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }))
    },
  )

  it('rejects bad options with typed errors', () => {
    const bad: Array<Record<string, unknown>> = [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { maxRetries: -1 },
      { timeoutMs: 0 },
      { backoffFactor: 0.5 },
      { initialDelayMs: Number.NaN },
      { rpcBaseUrl: 'ftp://x' },
      { gatewayBaseUrl: 'not a url' },
      { gatewayBaseUrl: 'http://x/?q=1' },
      { hasher: 'Bad Hasher' },
      { auth: { username: 'a:b', password: 'c' } },
      { auth: { token: 'x' } },
      { headers: { 'X-A': 1 } },
      { ky: ky.create({}), headers: { 'X-A': 'b' } },
    ]
    for (const options of bad) {
      expect(() => new KuboCAS(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      )
    }
  })

  it('rejects bad arguments before any request', async () => {
    const cas = new KuboCAS({ rpcBaseUrl: 'http://127.0.0.1:9', gatewayBaseUrl: 'http://127.0.0.1:9' })
    await expect(cas.save(new Uint8Array(1), 'json' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(cas.save('text' as never, 'raw')).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
    await expect(cas.load('bafy' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' })
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString()
    const ms = parseRetryAfter(inTwoSeconds) as number
    expect(ms).toBeGreaterThan(0)
    expect(ms).toBeLessThanOrEqual(2000)
  })

  it('close() is idempotent and Symbol.asyncDispose closes', async () => {
    const cas = new KuboCAS()
    await cas[Symbol.asyncDispose]()
    expect(cas.closed).toBe(true)
    await cas.close()
    await expect(cas.load(undefined as never)).rejects.toMatchObject({ code: 'ERR_CLOSED' })
  })
})
