#!/usr/bin/env node
import { setMaxListeners } from 'node:events'
import { main } from './main.js'

// A walk has dozens of requests in flight on the command's one abort signal, each adding a listener:
// that is the design, not a leak, so Node's warning past 10 listeners is raised for this process.
setMaxListeners(1000)

// `hamt ls … | head`: the reader went away; stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

// Ctrl-C aborts what is in flight; a second one kills the process.
const controller = new AbortController()
process.once('SIGINT', () => controller.abort(new Error('interrupted')))
process.exitCode = await main(process.argv.slice(2), process, controller.signal)
