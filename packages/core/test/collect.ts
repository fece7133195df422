export { collect } from '../../../tools/test-support/collect.js'
