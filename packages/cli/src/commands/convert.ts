import { convertHamtToSharded } from '@hamt/zarr-sharded'
import type { Command } from '../context.js'
import { detectLayout } from '../dataset.js'
import { CliError, EXIT } from '../exit-codes.js'
import { expectArguments, rootArgument } from '../main.js'
import { positiveInteger } from './export.js'
import { printJson, printLines } from './output.js'

export const convert: Command = {
  name: 'convert',
  summary: 'convert a Zarr dataset from a HAMT to the sharded layout',
  args: '[ROOT]',
  details:
    "py-hamt's converter: copies the chunks' CIDs (never their bytes) into shards of chunk CIDs and\n" +
    'prints the sharded root. Reads from any store; writes the shards and root to --dir or --rpc.',
  options: {
    'chunks-per-shard': { type: 'string', value: 'N', description: 'chunk CIDs per shard (default 6250, as py-hamt)' },
  },
  writes: true,
  async run(context) {
    expectArguments(context, 0, 1)
    const root = rootArgument(context, 0)
    const { layout } = await detectLayout(context.store, root)
    if (layout !== 'hamt') throw new CliError('ERR_LAYOUT', EXIT.data, `${root.toString()} is sharded already`)
    const sharded = await convertHamtToSharded(context.store, root, {
      chunksPerShard: positiveInteger(context.options['chunks-per-shard'] as string | undefined, 6250),
      onProgress: ({ copied, total }) => context.progress.update('keys', copied, total),
    })
    context.progress.done()
    if (context.json) printJson(context, { root: sharded, from: root })
    else printLines(context, [sharded.toString()])
    return 0
  },
}
