import { writeFile } from 'node:fs/promises'
import { type CID, HAMT } from '@hamt/core'
import * as dagCbor from '@ipld/dag-cbor'
import type { Command } from '../context.js'
import { detectLayout, openSharded } from '../dataset.js'
import { CliError, EXIT } from '../exit-codes.js'
import { carRoot, expectArguments, rootArgument } from '../main.js'
import { printJson } from './output.js'

export const get: Command = {
  name: 'get',
  summary: 'print the value of a key',
  args: '[ROOT] KEY',
  details:
    "Writes the value's bytes to stdout (or --out FILE). --cbor decodes a DAG-CBOR value (what\n" +
    'HAMT.set stores for non-byte values) and prints it as JSON. A missing key exits with 3.',
  options: {
    out: { type: 'string', short: 'o', value: 'FILE', description: 'write the value to FILE instead of stdout' },
    cbor: { type: 'boolean', description: 'decode the value as DAG-CBOR and print it as JSON' },
  },
  writes: false,
  async run(context) {
    expectArguments(context, 1, 2)
    const root = context.positionals.length === 2 ? rootArgument(context, 0) : carRoot(context)
    const key = context.positionals.at(-1) as string
    const { store } = context
    const { layout, decoded } = await detectLayout(store, root)
    let cid: CID | undefined
    let value: Uint8Array | undefined
    if (layout === 'hamt') {
      const hamt = await HAMT.build<Uint8Array>({ cas: store, rootNodeId: root, readOnly: true, valuesAreBytes: true })
      cid = await hamt.getPointer(key)
      if (cid !== undefined) value = await store.load(cid)
    } else {
      value = await openSharded(store, root, decoded).get(key)
    }
    if (value === undefined)
      throw new CliError('ERR_KEY_NOT_FOUND', EXIT.notFound, `key ${JSON.stringify(key)} is not in ${root.toString()}`)
    let parsed: unknown
    if (context.options.cbor === true) {
      try {
        parsed = dagCbor.decode(value)
      } catch (cause) {
        throw new CliError(
          'ERR_NOT_CBOR',
          EXIT.data,
          `the value of ${JSON.stringify(key)} is not DAG-CBOR (drop --cbor to get its bytes)`,
          { cause },
        )
      }
    }
    const out = context.options.out as string | undefined
    if (out !== undefined) await writeFile(out, value)
    if (context.json) {
      printJson(context, {
        key,
        cid: cid ?? null,
        size: value.length,
        ...(parsed === undefined ? {} : { value: toJson(parsed) }),
      })
    } else if (parsed !== undefined) {
      context.io.stdout.write(`${JSON.stringify(toJson(parsed), null, 2)}\n`)
    } else if (out === undefined) {
      context.io.stdout.write(value)
    }
    return 0
  },
}

/** DAG-CBOR data as JSON: CIDs as `{"/": cid}`, bytes as `{"/": {"bytes": base64}}` (DAG-JSON's forms). */
function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { '/': { bytes: Buffer.from(value).toString('base64') } }
  if (value === null || typeof value !== 'object') return value
  if ('/' in value && 'multihash' in value) return { '/': String(value) }
  if (Array.isArray(value)) return value.map(toJson)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]))
}
