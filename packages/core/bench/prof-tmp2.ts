import { InMemoryCAS } from '../../cas-memory/src/index.js'
import * as dagCbor from '@ipld/dag-cbor'
import { decode } from 'cborg'
import { CID } from 'multiformats/cid'
import { HAMT } from '../src/index.js'
import { decodeNode, encodeNode } from '../src/node.js'

const cas = new InMemoryCAS()
const h = await HAMT.build<Uint8Array>({ cas, valuesAreBytes: true })
for (let i = 0; i < 100000; i++) await h.set(`k${i}`, new TextEncoder().encode(`v${i}`))
await h.makeReadOnly()
const rootBytes = await cas.load(h.rootNodeId)
const root = decodeNode(rootBytes, h.rootNodeId)
const childCid = root.slots.find((s) => s !== undefined && !(s instanceof Map)) as CID
const bytes = await cas.load(childCid)
console.log('node bytes', bytes.length)
const time = (label: string, n: number, fn: () => unknown) => {
  fn()
  const t = performance.now()
  for (let i = 0; i < n; i++) fn()
  console.log(label, (((performance.now() - t) / n) * 1000).toFixed(1), 'us')
}
time('dagCbor.decode', 200, () => dagCbor.decode(bytes))
time('decodeNode', 200, () => decodeNode(bytes, childCid))
time('cborg tag42->bytes useMaps', 200, () =>
  decode(bytes, { ...dagCbor.decodeOptions, useMaps: true, tags: { 42: (d: () => unknown) => d() } }),
)
const node = decodeNode(bytes, childCid)
time('encodeNode', 200, () => encodeNode(node))
const plain = dagCbor.decode(bytes)
time('dagCbor.encode(plain)', 200, () => dagCbor.encode(plain))
const cids = [] as CID[]
for (const s of node.slots) if (s instanceof Map) for (const c of s.values()) cids.push(c)
time('CID.decode x entries', 200, () => {
  for (const c of cids) CID.decode(c.bytes)
})
console.log('entries', cids.length)
