import { CarError } from '@hamt/car'
import { ClosedError, IntegrityError, KuboRequestError, UnverifiableError } from '@hamt/cas-kubo'
import { HamtError } from '@hamt/core'

/** What the `hamt` command exits with. Scripts can tell these apart. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A failure nobody foresaw (a bug): the message and stack are printed. */
  internal: 1,
  /** Bad command line: unknown command or option, missing argument, not a CID, no store given. */
  usage: 2,
  /** A key, a root or a block is not there. */
  notFound: 3,
  /** Data is wrong: a block that does not match its CID, a CAR cut short, `verify` found problems. */
  integrity: 4,
  /** A store could not be reached or refused a request (network, HTTP, file system). */
  store: 5,
  /** The data is not what the command works on (not a HAMT or sharded root, a write to a read-only store). */
  data: 6,
} as const

/** An error the command line reports in one line, with its exit code. */
export class CliError extends Error {
  /** Machine-readable code, printed with `--json`. */
  readonly code: string
  /** What the process exits with. */
  readonly exitCode: number

  constructor(code: string, exitCode: number, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
  }
}

/** A bad command line. */
export function usageError(message: string): CliError {
  return new CliError('ERR_USAGE', EXIT.usage, message)
}

/** The exit code and machine code for any error a command throws; `expected` is false for bugs. */
export function classify(error: unknown): { exitCode: number; code: string; expected: boolean } {
  if (error instanceof CliError) return { exitCode: error.exitCode, code: error.code, expected: true }
  if (error instanceof CarError) {
    const integrity = error.code !== 'ERR_UNSUPPORTED_BLOCK' && error.code !== 'ERR_STORE_MISMATCH'
    return { exitCode: integrity ? EXIT.integrity : EXIT.data, code: error.code, expected: true }
  }
  if (error instanceof IntegrityError) return { exitCode: EXIT.integrity, code: error.code, expected: true }
  if (error instanceof KuboRequestError || error instanceof ClosedError) {
    return { exitCode: EXIT.store, code: error.code, expected: true }
  }
  if (error instanceof UnverifiableError) return { exitCode: EXIT.data, code: error.code, expected: true }
  if (error instanceof HamtError) {
    if (error.code === 'ERR_BLOCK_NOT_FOUND') return { exitCode: EXIT.notFound, code: error.code, expected: true }
    if (error.code === 'ERR_INVALID_OPTION') return { exitCode: EXIT.usage, code: error.code, expected: true }
    return { exitCode: EXIT.data, code: error.code, expected: true }
  }
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    // Zarr layout errors of @hamt/zarr-sharded, and file-system errors (ENOENT, EACCES, …).
    if (code.startsWith('ERR_SHARDED') || code.startsWith('ERR_ZARR'))
      return { exitCode: EXIT.data, code, expected: true }
    if (code === 'ENOENT') return { exitCode: EXIT.notFound, code, expected: true }
    if (/^E[A-Z]+$/.test(code)) return { exitCode: EXIT.store, code, expected: true }
  }
  return { exitCode: EXIT.internal, code: 'ERR_INTERNAL', expected: false }
}
