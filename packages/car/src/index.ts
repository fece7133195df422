export { type Block, type BlockLoader, blockLinks, checkBlock, loadBlock } from './block.js'
export {
  BlockDecodeError,
  BlockMismatchError,
  CarError,
  type CarErrorCode,
  CarFormatError,
  CarIncompleteError,
  CarTruncatedError,
  StoreMismatchError,
  UnsupportedBlockError,
} from './errors.js'
export { type ExportOptions, exportCar } from './export.js'
export { type BlockPutter, type ImportOptions, type ImportProgress, type ImportResult, importCar } from './import.js'
export { keyOf as multihashKey } from './seen-set.js'
export { type WalkOptions, type WalkProgress, walkDag } from './walk.js'
