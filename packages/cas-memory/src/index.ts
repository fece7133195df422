export { InMemoryCAS } from './in-memory-cas.js'
