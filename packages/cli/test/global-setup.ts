// The shared IPFS test node (one per run of this package's tests).
export { default } from '../../../tools/ipfs-node/vitest-setup.js'
