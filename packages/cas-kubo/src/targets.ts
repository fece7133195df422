/**
 * The servers one kind of request can go to (the gateways, or the one RPC API), in order of
 * preference, with the ones that failed lately set aside for a cooldown so that the others take over.
 */
export class TargetPool {
  readonly targets: readonly string[]
  readonly #cooldownMs: number
  /** When each target set aside may be used again (ms since the epoch). */
  readonly #coolingUntil: Map<string, number>
  /** When a target that sent `Retry-After` is willing to answer again. */
  readonly #retryAt: Map<string, number>

  /** `targets` must not be empty. */
  constructor(
    targets: readonly string[],
    cooldownMs: number,
    shared: { coolingUntil: Map<string, number>; retryAt: Map<string, number> } = {
      coolingUntil: new Map(),
      retryAt: new Map(),
    },
  ) {
    this.targets = targets
    this.#cooldownMs = cooldownMs
    this.#coolingUntil = shared.coolingUntil
    this.#retryAt = shared.retryAt
  }

  /**
   * A pool of some of these targets (`targets`, not empty) for requests only they can answer: what
   * either pool learns of a target (set aside, answered, asked to wait) holds for both.
   */
  subset(targets: readonly string[]): TargetPool {
    return new TargetPool(targets, this.#cooldownMs, { coolingUntil: this.#coolingUntil, retryAt: this.#retryAt })
  }

  get size(): number {
    return this.targets.length
  }

  /**
   * The target to use next: the first one not in `tried` and not set aside (`fresh`), or else the
   * one whose cooldown ends first, tried or not.
   */
  pick(tried: ReadonlySet<string>): { target: string; fresh: boolean } {
    const fresh = this.pickFresh(tried)
    if (fresh !== undefined) return { target: fresh, fresh: true }
    let best = this.targets[0] as string
    let bestUntil = Number.POSITIVE_INFINITY
    for (const target of this.targets) {
      const until = this.#coolingUntil.get(target) ?? 0
      if (until < bestUntil) {
        best = target
        bestUntil = until
      }
    }
    return { target: best, fresh: false }
  }

  /** The first target neither in `tried` nor set aside, if any. */
  pickFresh(tried: ReadonlySet<string>): string | undefined {
    const now = Date.now()
    return this.targets.find((target) => !tried.has(target) && (this.#coolingUntil.get(target) ?? 0) <= now)
  }

  /** Sets `target` aside for the cooldown, or until it said it would answer again if that is later. */
  setAside(target: string, retryAfterMs?: number): void {
    const now = Date.now()
    const until = now + Math.max(this.#cooldownMs, retryAfterMs ?? 0)
    this.#coolingUntil.set(target, Math.max(until, this.#coolingUntil.get(target) ?? 0))
    if (retryAfterMs !== undefined) this.#retryAt.set(target, now + retryAfterMs)
  }

  /** `target` answered: it is no longer set aside. */
  succeeded(target: string): void {
    this.#coolingUntil.delete(target)
    this.#retryAt.delete(target)
  }

  /** How long `target` asked to be left alone from now, in ms (0 when it did not). */
  retryWait(target: string): number {
    const at = this.#retryAt.get(target)
    return at === undefined ? 0 : Math.max(0, at - Date.now())
  }
}
