import { BlockMismatchError, walkDag } from '@hamt/car'
import { BlockNotFoundError, type CID } from '@hamt/core'
import type { Command } from '../context.js'
import { EXIT } from '../exit-codes.js'
import { expectArguments, rootArgument } from '../main.js'
import { formatBytes } from '../progress.js'
import { printJson, printLines } from './output.js'

export const verify: Command = {
  name: 'verify',
  summary: 'check that every block reachable from a root is present and matches its CID',
  args: '[ROOT]',
  details:
    'Walks the whole DAG (nodes, values, UnixFS parts), hashing every block. Reports every missing or\n' +
    'altered block (what lies under a missing one cannot be reached) and exits with 4 if any.',
  options: {},
  writes: false,
  async run(context) {
    expectArguments(context, 0, 1)
    const root = rootArgument(context, 0)
    const missing: CID[] = []
    const corrupt: CID[] = []
    const unreadable: { cid: CID; error: string }[] = []
    let blocks = 0
    let bytes = 0
    const walk = walkDag(context.store, root, {
      signal: context.signal,
      onBlockError: (error, cid) => {
        if (error instanceof BlockNotFoundError) missing.push(cid)
        else if (error instanceof BlockMismatchError || (error as { code?: string }).code === 'ERR_INTEGRITY')
          corrupt.push(cid)
        else unreadable.push({ cid, error: error instanceof Error ? error.message : String(error) })
      },
    })
    for await (const block of walk) {
      blocks++
      bytes += block.bytes.length
      context.progress.update('verified', blocks, undefined, formatBytes(bytes))
    }
    context.progress.done()
    const ok = missing.length === 0 && corrupt.length === 0 && unreadable.length === 0
    if (context.json) printJson(context, { root, ok, blocks, bytes, missing, corrupt, unreadable })
    else {
      printLines(context, [
        ...missing.map((cid) => `missing  ${cid.toString()}`),
        ...corrupt.map((cid) => `corrupt  ${cid.toString()}`),
        ...unreadable.map(({ cid, error }) => `error    ${cid.toString()}: ${error}`),
        ok
          ? `ok: ${blocks} blocks (${formatBytes(bytes)}) reachable from ${root.toString()}, all present and matching their CIDs`
          : `FAILED: ${missing.length} missing, ${corrupt.length} corrupt, ${unreadable.length} unreadable; ${blocks} blocks verified`,
      ])
    }
    return ok ? EXIT.ok : EXIT.integrity
  },
}
