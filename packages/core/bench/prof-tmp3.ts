const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

import { InMemoryCAS } from '../../cas-memory/src/index.js'
import { HAMT } from '../src/index.js'

const N = 100000
const cas = new InMemoryCAS()
const keys = Array.from({ length: N }, (_, i) => `k${i}`)
const h = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
for (let i = 0; i < N; i++) await h.set(keys[i]!, new TextEncoder().encode(`v${i}`))
await h.makeReadOnly()
for (let rep = 0; rep < 4; rep++) {
  const r = await HAMT.build<Uint8Array>({ cas, rootNodeId: h.rootNodeId, readOnly: true, valuesAreBytes: true })
  let t = cpuMs()
  for (const k of keys) await r.get(k)
  const cold = cpuMs() - t
  t = cpuMs()
  for (const k of keys) await r.get(k)
  console.log('cold', cold.toFixed(0), 'warm', (cpuMs() - t).toFixed(0))
}
for (let rep = 0; rep < 3; rep++) {
  const h2 = await HAMT.build<Uint8Array>({ cas: new InMemoryCAS(), valuesAreBytes: true })
  let t = cpuMs()
  for (let i = 0; i < N; i++) await h2.set(keys[i]!, new TextEncoder().encode(`v${i}`))
  const s = cpuMs() - t
  t = cpuMs()
  await h2.makeReadOnly()
  console.log('sets', s.toFixed(0), 'flush', (cpuMs() - t).toFixed(0))
}
