export { BlockstoreCAS, type BlockstoreCASOptions, type BlockstoreLike } from './blockstore-cas.js'
export { casAsBlockstore } from './cas-as-blockstore.js'
export { type BlockstoreErrorCode, ReadOnlyBlockstoreError, UnsupportedOperationError } from './errors.js'
