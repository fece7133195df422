import type { Command } from '../context.js'
import { detectLayout, hamtEntries, openSharded } from '../dataset.js'
import { expectArguments, rootArgument } from '../main.js'
import { printJson } from './output.js'

export const ls: Command = {
  name: 'ls',
  summary: 'list the keys of a dataset',
  args: '[ROOT]',
  details:
    'Keys come in tree order (by hash for a HAMT), streamed as found; --sort sorts them (in memory).\n' +
    '--long adds the CID of each value (HAMT roots).',
  options: {
    long: { type: 'boolean', short: 'l', description: "print each value's CID after its key (tab-separated)" },
    sort: { type: 'boolean', description: 'sort the keys' },
  },
  writes: false,
  async run(context) {
    expectArguments(context, 0, 1)
    const root = rootArgument(context, 0)
    const { store, io } = context
    const { layout, decoded } = await detectLayout(store, root)
    const entries: AsyncIterable<[string, { toString(): string } | null]> =
      layout === 'hamt' ? hamtEntries(store, root) : keysOnly(openSharded(store, root, decoded).list())
    const streaming = context.options.sort !== true && !context.json
    const collected: { key: string; cid: string | null }[] = []
    let count = 0
    for await (const [key, cid] of entries) {
      count++
      context.progress.update('keys', count)
      if (streaming) {
        const line = context.options.long === true && cid !== null ? `${key}\t${cid.toString()}` : key
        if (!io.stdout.write(`${line}\n`)) await new Promise((resolve) => io.stdout.once('drain', resolve))
      } else {
        collected.push({ key, cid: cid === null ? null : cid.toString() })
      }
    }
    context.progress.done()
    if (streaming) return 0
    if (context.options.sort === true) collected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    if (context.json) {
      printJson(context, context.options.long === true ? collected : collected.map((entry) => entry.key))
      return 0
    }
    for (const { key, cid } of collected) {
      io.stdout.write(`${context.options.long === true && cid !== null ? `${key}\t${cid}` : key}\n`)
    }
    return 0
  },
}

async function* keysOnly(keys: AsyncIterable<string>): AsyncGenerator<[string, null]> {
  for await (const key of keys) yield [key, null]
}
