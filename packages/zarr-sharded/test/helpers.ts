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

export { collect } from '../../../tools/test-support/collect.js'

export { random } from '../../../tools/test-support/random.js'
