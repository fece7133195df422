export { BlockCorruptedError, BlockPathError, UnsupportedHashError } from './errors.js'
export {
  FileSystemCAS,
  type FileSystemCASOptions,
  type FileSystemCASStats,
  type FileSystemHash,
} from './file-system-cas.js'
