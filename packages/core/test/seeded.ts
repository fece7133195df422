import type fc from 'fast-check'

/**
 * fast-check parameters with a seed that is printed before the run: `FC_SEED=<seed>` replays it.
 * Without FC_SEED each run draws a new seed, so the suite keeps exploring, and any failure can be
 * reproduced from the log.
 */
export function seeded<T>(name: string, params: fc.Parameters<T> = {}): fc.Parameters<T> {
  const fromEnv = process.env.FC_SEED
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : (Math.random() * 2 ** 31) | 0
  console.log(`fast-check seed ${seed} for "${name}" (replay: FC_SEED=${seed})`)
  return { ...params, seed }
}
