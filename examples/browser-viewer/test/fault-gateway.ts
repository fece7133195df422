/**
 * Fakes for FAULT INJECTION only, on loopback: a proxy in front of the real test gateway that can
 * hold or fail requests on command, and a gateway that accepts connections and never answers.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

const CORS = { 'access-control-allow-origin': '*' }

/** What {@link FaultInjectingGatewayProxy} does with the requests it gets. */
export type ProxyMode = 'pass' | 'hold' | 'fail'

/**
 * A FAULT-INJECTING PROXY: forwards `/ipfs/…` requests to the real gateway (`pass`), keeps them
 * waiting until the mode changes (`hold`), or answers 502 (`fail`). Counts the requests it forwards.
 */
export class FaultInjectingGatewayProxy {
  readonly url: string
  mode: ProxyMode = 'pass'
  /** Paths of the requests seen, in order. */
  readonly seen: string[] = []
  readonly #server: http.Server
  readonly #target: URL
  readonly #held: (() => void)[] = []

  private constructor(server: http.Server, target: URL) {
    this.#server = server
    this.#target = target
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  static async start(target: string): Promise<FaultInjectingGatewayProxy> {
    const server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const proxy = new FaultInjectingGatewayProxy(server, new URL(target))
    server.on('request', (req, res) => void proxy.#handle(req, res))
    return proxy
  }

  /** Sets the mode; requests held so far are handled by the new one. */
  setMode(mode: ProxyMode): void {
    this.mode = mode
    if (mode !== 'hold') for (const release of this.#held.splice(0)) release()
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.seen.push(req.url ?? '')
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, HEAD' })
      return void res.end()
    }
    while (this.mode === 'hold') await new Promise<void>((resolve) => this.#held.push(resolve))
    if (this.mode === 'fail') {
      res.writeHead(502, { ...CORS, 'content-type': 'text/plain' })
      return void res.end('FaultInjectingGatewayProxy: injected failure')
    }
    const upstream = http.request(
      new URL(req.url ?? '/', this.#target),
      { method: req.method, headers: { ...req.headers, host: this.#target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...CORS })
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  }

  async close(): Promise<void> {
    this.setMode('fail')
    this.#server.closeAllConnections()
    await new Promise((resolve) => this.#server.close(resolve))
  }
}

/** A FAKE SILENT GATEWAY: accepts every connection and request, and never sends a byte back. */
export class FakeSilentGateway {
  readonly url: string
  /** Requests received (and never answered). */
  requests = 0
  readonly #server: http.Server
  readonly #sockets = new Set<Socket>()

  private constructor(server: http.Server) {
    this.#server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.on('request', () => {
      this.requests++
    })
  }

  static async start(): Promise<FakeSilentGateway> {
    const server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return new FakeSilentGateway(server)
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise((resolve) => this.#server.close(resolve))
  }
}
