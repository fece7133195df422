import type { TestProject } from 'vitest/node'
import { startIpfsNode } from '../../../tools/ipfs-node/launch.js'

declare module 'vitest' {
  export interface ProvidedContext {
    ipfsRpcUrl: string
    ipfsGatewayUrl: string
    ipfsImplementation: string
  }
}

/** Starts the IPFS node the tests share and stops it at the end of the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const node = await startIpfsNode()
  project.provide('ipfsRpcUrl', node.rpcUrl)
  project.provide('ipfsGatewayUrl', node.gatewayUrl)
  project.provide('ipfsImplementation', node.implementation)
  return () => node.stop()
}
