#!/usr/bin/env node
import { main } from './main.js'

// Ctrl-C aborts what is in flight; a second one kills the process.
const controller = new AbortController()
process.once('SIGINT', () => controller.abort(new Error('interrupted')))
process.exitCode = await main(process.argv.slice(2), process, controller.signal)
