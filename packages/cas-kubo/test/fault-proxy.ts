/**
 * A FAULT-INJECTING PROXY for tests: an HTTP server on loopback that forwards requests to a real
 * IPFS node and, when a test's plan says so, delays, fails, resets, truncates or alters them. It
 * also records every request and counts how many are in flight at once.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the proxy does with one request. */
export type FaultAction =
  | { kind: 'pass' }
  /** Waits, then forwards. */
  | { kind: 'delay'; ms: number }
  /** Answers with this status instead of forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Destroys the connection without answering. */
  | { kind: 'reset' }
  /** Forwards, then sends the headers and only half of the body before destroying the connection. */
  | { kind: 'truncate' }
  /** Forwards, then flips one byte of the body. */
  | { kind: 'corrupt' }
  /** Forwards without the Range header, so the whole body comes back with 200. */
  | { kind: 'ignore-range' }
  /** Forwards as to a gateway without CARs: no `format`, `dag-scope`, `entity-bytes`, nor CAR Accept. */
  | { kind: 'no-car' }
  /** Forwards, then answers with `rewrite(body)` instead of the body (same status and headers). */
  | { kind: 'rewrite'; rewrite: (body: Buffer) => Buffer | Promise<Buffer> }

/** A request as the proxy saw it. */
export interface SeenRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  /** 1-based count of requests so far whose path starts the same way (e.g. all `/api/v0/add`). */
  index: number
}

export type FaultPlan = (request: SeenRequest) => FaultAction

export class FaultProxy {
  readonly url: string
  readonly requests: SeenRequest[] = []
  inFlight = 0
  maxInFlight = 0
  plan: FaultPlan = () => ({ kind: 'pass' })
  readonly #server: http.Server
  readonly #target: URL
  readonly #agent = new http.Agent({ keepAlive: true })

  private constructor(server: http.Server, target: URL) {
    this.#server = server
    this.#target = target
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  /** Starts a proxy in front of `target` (a base URL). */
  static async start(target: string): Promise<FaultProxy> {
    const server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const proxy = new FaultProxy(server, new URL(target))
    server.on('request', (req, res) => void proxy.#handle(req, res))
    return proxy
  }

  /** Requests whose path starts with `prefix`. */
  seen(prefix: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix))
  }

  /** Forgets the requests seen and the in-flight maximum; the plan goes back to passing everything. */
  reset(): void {
    this.requests.length = 0
    this.maxInFlight = this.inFlight
    this.plan = () => ({ kind: 'pass' })
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    this.#agent.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    let counted = true
    const done = (): void => {
      if (counted) this.inFlight--
      counted = false
    }
    res.once('finish', done)
    res.once('close', done)
    const path = req.url ?? '/'
    const kind = path.split('?')[0] as string
    const seen: SeenRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      index: this.requests.filter((r) => r.path.split('?')[0] === kind).length + 1,
    }
    this.requests.push(seen)
    const action = this.plan(seen)
    const body = await readAll(req)
    if (action.kind === 'reset') {
      done()
      req.socket.destroy()
      return
    }
    if (action.kind === 'status') {
      res.writeHead(action.status, { 'content-type': 'text/plain', ...action.headers })
      res.end(action.body ?? `fault proxy: injected ${action.status}`)
      return
    }
    if (action.kind === 'delay') {
      await new Promise((resolve) => setTimeout(resolve, action.ms))
      if (res.destroyed) return
    }
    const headers = { ...req.headers, host: this.#target.host }
    if (action.kind === 'ignore-range') delete headers.range
    let target = path
    if (action.kind === 'no-car') {
      delete headers.accept
      target = path.split('?')[0] as string
    }
    let upstream: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }
    try {
      upstream = await this.#forward(seen.method, target, headers, body)
    } catch (error) {
      res.writeHead(502)
      res.end(String(error))
      return
    }
    if (res.destroyed) return
    const out = action.kind === 'rewrite' ? await action.rewrite(upstream.body) : upstream.body
    if (action.kind === 'corrupt' && out.length > 0) out[out.length >> 1] = (out[out.length >> 1] as number) ^ 0x01
    const responseHeaders = { ...upstream.headers }
    for (const hop of ['transfer-encoding', 'trailer', 'connection', 'keep-alive', 'upgrade'])
      delete responseHeaders[hop]
    responseHeaders['content-length'] = String(out.length)
    res.writeHead(upstream.status, responseHeaders)
    if (action.kind === 'truncate') {
      res.write(out.subarray(0, out.length >> 1), () => {
        done()
        res.destroy()
      })
      return
    }
    res.end(out)
  }

  #forward(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: this.#target.hostname, port: this.#target.port, method, path, headers, agent: this.#agent },
        (response) => {
          readAll(response).then(
            (data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }),
            reject,
          )
        },
      )
      request.on('error', reject)
      request.end(body)
    })
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}
