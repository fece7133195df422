import { createReadStream } from 'node:fs'
import { importCar } from '@hamt/car'
import type { Command } from '../context.js'
import { CliError, EXIT, usageError } from '../exit-codes.js'
import { expectArguments } from '../main.js'
import { formatBytes } from '../progress.js'
import { RpcStore } from '../stores/rpc-store.js'
import { printJson, printLines } from './output.js'

export const importCommand: Command = {
  name: 'import',
  summary: 'save every block of a CAR file into a store',
  args: 'FILE|-',
  details:
    'Checks every block against its CID (BLAKE3, SHA2-256) before saving it; a CAR cut short, or a block\n' +
    'that does not match, stops the import with exit code 4 and nothing after it saved. A CAR missing\n' +
    'blocks reachable from its root (and not already in the store) is refused unless --partial.\n' +
    "Prints the CAR's roots. With --rpc, --pin pins them on the node afterwards.",
  options: {
    partial: { type: 'boolean', description: 'accept a CAR that does not hold every block reachable from its roots' },
    pin: { type: 'boolean', description: 'with --rpc: pin the roots on the node once every block is in' },
  },
  writes: true,
  async run(context) {
    expectArguments(context, 1, 1)
    const file = context.positionals[0] as string
    const pinner = context.store.writer?.cas
    if (context.options.pin === true && !(pinner instanceof RpcStore)) throw usageError('import: --pin needs --rpc URL')
    const input = file === '-' ? context.io.stdin : createReadStream(file)
    const opened = new Promise<void>((resolve, reject) => {
      if (file === '-') resolve()
      input.once('readable', () => resolve())
      input.once('error', (cause: NodeJS.ErrnoException) =>
        reject(
          cause.code === 'ENOENT'
            ? new CliError('ERR_NO_FILE', EXIT.notFound, `${file}: no such file`, { cause })
            : cause,
        ),
      )
    })
    await opened
    const result = await importCar(context.store, input, {
      signal: context.signal,
      checkComplete: context.options.partial !== true,
      // A Kubo node takes blocks in batches (one dag/import each): keep enough in flight to fill them.
      ...(pinner instanceof RpcStore ? { concurrency: 128 } : {}),
      onProgress: ({ blocks, bytes }) => context.progress.update('blocks', blocks, undefined, formatBytes(bytes)),
    })
    if (pinner instanceof RpcStore && context.options.pin === true) {
      for (const root of result.roots) await pinner.pin(root, { signal: context.signal })
    }
    context.progress.done()
    if (context.json) printJson(context, { ...result, pinned: context.options.pin === true })
    else printLines(context, result.roots.map(String))
    return 0
  },
}
