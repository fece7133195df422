export type { Io, TerminalInfo } from './context.js'
export { CliError, EXIT } from './exit-codes.js'
export { main } from './main.js'
