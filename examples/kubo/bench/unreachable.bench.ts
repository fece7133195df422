// How long the example takes to report that no Kubo node answers, beside the cost of starting the
// example at all (a usage error), measured in this process. The test asserts only what it prints.
import { runExample } from '../test/run-example.js'

async function timed(args: readonly string[]): Promise<number> {
  const started = performance.now()
  await runExample(args).catch(() => undefined)
  return performance.now() - started
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
const runs = 3
const startup: number[] = []
const unreachable: number[] = []
for (let i = 0; i < runs; i++) {
  startup.push(await timed(['--entries', '0']))
  unreachable.push(await timed(['--rpc-url', 'http://127.0.0.1:9']))
}
const [base, fail] = [median(startup), median(unreachable)]
console.log(`start-up (a usage error):      ${base.toFixed(0)} ms`)
console.log(`no node at the RPC address:    ${fail.toFixed(0)} ms`)
console.log(
  `time to give up beyond start-up: ${(fail - base).toFixed(0)} ms (ratio ${(fail / base).toFixed(2)}x, median of ${runs})`,
)
