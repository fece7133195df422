// A worker thread does not run the parent's `--import tsx` on Node 20: register tsx here, then run the
// TypeScript worker.
import { register } from 'tsx/esm/api'

register()
await import('./gateway-worker.ts')
