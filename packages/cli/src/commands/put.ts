import { readFile } from 'node:fs/promises'
import { buffer } from 'node:stream/consumers'
import { type CID, HAMT } from '@hamt/core'
import { ShardedZarrStore } from '@hamt/zarr-sharded'
import * as dagCbor from '@ipld/dag-cbor'
import type { Command, Context } from '../context.js'
import { detectLayout } from '../dataset.js'
import { usageError } from '../exit-codes.js'
import { expectArguments, parseCid } from '../main.js'
import { printJson, printLines } from './output.js'

export const put: Command = {
  name: 'put',
  summary: 'set a key and print the new root',
  args: 'ROOT|new KEY (--file FILE | --text TEXT | --cbor JSON)',
  details:
    'ROOT is a HAMT or sharded root, or "new" for an empty HAMT. The value is a file\'s bytes (--file -\n' +
    'reads stdin), a UTF-8 string, or JSON stored as DAG-CBOR (as HAMT.set stores a non-byte value).\n' +
    'Needs a writable store (--dir or --rpc); the old root stays as it was.',
  options: {
    file: { type: 'string', value: 'FILE', description: "the value is FILE's bytes (- for stdin)" },
    text: { type: 'string', value: 'TEXT', description: 'the value is TEXT in UTF-8' },
    cbor: { type: 'string', value: 'JSON', description: 'the value is JSON, stored DAG-CBOR encoded' },
  },
  writes: true,
  async run(context) {
    expectArguments(context, 2, 2)
    const [rootText, key] = context.positionals as [string, string]
    const value = await readValue(context)
    const { store } = context
    let root: CID
    if (rootText === 'new') {
      const hamt = await HAMT.build<Uint8Array>({ cas: store, valuesAreBytes: true })
      await hamt.set(key, value)
      await hamt.makeReadOnly({ signal: context.signal })
      root = hamt.rootNodeId
    } else {
      const old = parseCid(rootText, 'ROOT')
      const { layout, decoded } = await detectLayout(store, old)
      if (layout === 'hamt') {
        const hamt = await HAMT.build<Uint8Array>({ cas: store, rootNodeId: old, valuesAreBytes: true })
        await hamt.set(key, value)
        await hamt.makeReadOnly({ signal: context.signal })
        root = hamt.rootNodeId
      } else {
        const sharded = ShardedZarrStore.fromRoot(store, old, decoded, { writable: true })
        await sharded.set(key, value)
        root = await sharded.commit()
      }
    }
    if (context.json) printJson(context, { root, key, size: value.length })
    else printLines(context, [root.toString()])
    return 0
  },
}

async function readValue(context: Context): Promise<Uint8Array> {
  const { file, text: utf8, cbor } = context.options as { file?: string; text?: string; cbor?: string }
  const given = [file, utf8, cbor].filter((option) => option !== undefined).length
  if (given !== 1) throw usageError('put: give the value with exactly one of --file, --text, --cbor')
  if (file !== undefined) {
    if (file === '-') return new Uint8Array(await buffer(context.io.stdin))
    return new Uint8Array(await readFile(file))
  }
  if (utf8 !== undefined) return new TextEncoder().encode(utf8)
  let parsed: unknown
  try {
    parsed = JSON.parse(cbor as string)
  } catch (cause) {
    throw usageError(`put: --cbor ${JSON.stringify(cbor)} is not JSON (${(cause as Error).message})`)
  }
  return dagCbor.encode(parsed)
}
