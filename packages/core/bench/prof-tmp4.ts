import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { HAMT } from '../src/index.js'

const N = 100000
const cas = new InMemoryCAS()
const keys = Array.from({ length: N }, (_, i) => `k${i}`)
const h = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
for (let i = 0; i < N; i++) await h.set(keys[i]!, new TextEncoder().encode(`v${i}`))
await h.makeReadOnly()
for (let rep = 0; rep < 8; rep++) {
  const r = await HAMT.build<Uint8Array>({ cas, rootNodeId: h.rootNodeId, readOnly: true, valuesAreBytes: true })
  for (const k of keys) await r.get(k)
}
