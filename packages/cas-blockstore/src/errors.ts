/** Machine-readable codes of the errors this package adds to `@hamt/core`'s. */
export type BlockstoreErrorCode = 'ERR_READ_ONLY_BLOCKSTORE' | 'ERR_UNSUPPORTED'

/** A write (`put`, `delete`, …) was attempted on the read-only blockstore {@link casAsBlockstore} returns. */
export class ReadOnlyBlockstoreError extends Error {
  /** Always `'ERR_READ_ONLY_BLOCKSTORE'`. */
  readonly code: BlockstoreErrorCode = 'ERR_READ_ONLY_BLOCKSTORE'

  constructor(operation: string) {
    super(`Cannot ${operation}: this blockstore is a read-only view of a ContentAddressedStore`)
    this.name = 'ReadOnlyBlockstoreError'
  }
}

/** The store behind a blockstore view cannot do what was asked (list its blocks, give raw UnixFS blocks). */
export class UnsupportedOperationError extends Error {
  /** Always `'ERR_UNSUPPORTED'`. */
  readonly code: BlockstoreErrorCode = 'ERR_UNSUPPORTED'

  constructor(message: string) {
    super(message)
    this.name = 'UnsupportedOperationError'
  }
}
