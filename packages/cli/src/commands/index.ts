import type { Command } from '../context.js'
import { convert } from './convert.js'
import { diff } from './diff.js'
import { exportCommand } from './export.js'
import { get } from './get.js'
import { importCommand } from './import.js'
import { info } from './info.js'
import { ls } from './ls.js'
import { put } from './put.js'
import { verify } from './verify.js'

/** Every subcommand of `hamt`, in the order `hamt --help` lists them. */
export const COMMANDS: readonly Command[] = [info, ls, get, put, exportCommand, importCommand, convert, diff, verify]
