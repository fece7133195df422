/**
 * How KuboCAS sends requests by default where nothing better than the platform's `fetch` is known
 * (browsers, and runtimes other than Node); Node gets `send-undici.ts` instead (package `imports`).
 */
export { fetchSend as platformSend } from './send.js'
