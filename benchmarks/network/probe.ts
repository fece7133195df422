import { measureColdOpen } from './src/cold.ts'

for (const p of (process.env.P ?? '0,1,0,1').split(',').map(Number)) {
  const r = await measureColdOpen(Number(process.env.N), 100, 1024, p)
  console.log(p, r.depth, r.metadataDepth, r.ms.toFixed(0), r.roundTrips.toFixed(1), r.requests)
}
