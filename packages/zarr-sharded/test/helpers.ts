import { readFileSync } from 'node:fs'
import { InMemoryCAS } from '@hamt/cas-memory'
import { CID } from '@hamt/core'

/** A fresh in-memory CAS holding every block of a py-hamt vector file (CID -> base64), checked against its CID. */
export async function casFromVector(file: string): Promise<{ cas: InMemoryCAS; root: CID }> {
  const vector = JSON.parse(readFileSync(new URL(`./vectors/${file}`, import.meta.url), 'utf8')) as {
    blocks: Record<string, string>
    root_cid: string
  }
  const cas = new InMemoryCAS()
  for (const [cidText, base64] of Object.entries(vector.blocks)) {
    const cid = CID.parse(cidText)
    const saved = await cas.save(new Uint8Array(Buffer.from(base64, 'base64')), cid.code === 0x71 ? 'dag-cbor' : 'raw')
    if (!saved.equals(cid)) throw new Error(`block ${cidText} re-hashes to ${saved.toString()}`)
  }
  return { cas, root: CID.parse(vector.root_cid) }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
