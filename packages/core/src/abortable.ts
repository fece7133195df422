/**
 * `promise`, or the signal's reason as soon as `signal` aborts, whichever comes first: a store call
 * that never settles cannot hold up whoever awaits it once the caller gives up. With `started`, an
 * abort only cuts the wait while `started()` is false; afterwards the operation, which watches the
 * signal itself, decides, so a caller is never told "aborted" about a change that was made.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  started?: () => boolean,
): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      if (started?.() !== true) reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
