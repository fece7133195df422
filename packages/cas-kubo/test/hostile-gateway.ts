/**
 * A FAKE HOSTILE GATEWAY for tests: an HTTP server on loopback whose answers a test writes by hand
 * (endless bodies, lying headers, trickled bytes), to check that KuboCAS stays safe against them.
 * It counts the body bytes it managed to send, so a test can tell the client stopped reading.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type HostileHandler = (req: http.IncomingMessage, res: http.ServerResponse, gateway: FakeHostileGateway) => void

export class FakeHostileGateway {
  readonly url: string
  /** Body bytes written so far, by every answer. */
  bytesSent = 0
  requests = 0
  handler: HostileHandler = (_req, res) => {
    res.writeHead(404)
    res.end()
  }
  readonly #server: http.Server
  readonly #timers = new Set<ReturnType<typeof setInterval>>()

  private constructor(server: http.Server) {
    this.#server = server
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  static async start(): Promise<FakeHostileGateway> {
    const server = http.createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const gateway = new FakeHostileGateway(server)
    server.on('request', (req, res) => {
      gateway.requests++
      req.resume()
      gateway.handler(req, res, gateway)
    })
    return gateway
  }

  /** Writes `chunk` again and again as fast as the client takes it, until it hangs up. */
  endless(res: http.ServerResponse, chunk: Buffer): void {
    const pump = (): void => {
      while (!res.destroyed) {
        this.bytesSent += chunk.length
        if (!res.write(chunk)) {
          res.once('drain', pump)
          return
        }
      }
    }
    res.on('error', () => {})
    pump()
  }

  /** Writes one byte every `everyMs`, forever. */
  trickle(res: http.ServerResponse, everyMs: number): void {
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer)
        this.#timers.delete(timer)
        return
      }
      this.bytesSent++
      res.write(Buffer.from([0x61]))
    }, everyMs)
    this.#timers.add(timer)
    res.on('error', () => {})
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer)
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
