export type { BulkWriteOptions } from './bulk-import.js'
export {
  ClosedError,
  IntegrityError,
  InvalidResponseError,
  type KuboErrorCode,
  KuboRequestError,
  type RequestContext,
  ResponseTooLargeError,
  RetryLaterError,
  UnverifiableError,
} from './errors.js'
export { parseRetryAfter } from './http.js'
export { KuboCAS, type Pin, type PinType } from './kubo-cas.js'
export type { KuboAuth, KuboCASOptions } from './options.js'
