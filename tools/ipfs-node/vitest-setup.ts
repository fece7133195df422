import type { TestProject } from 'vitest/node'
import { startIpfsNode } from './launch.js'

declare module 'vitest' {
  export interface ProvidedContext {
    ipfsRpcUrl: string
    ipfsGatewayUrl: string
    ipfsImplementation: string
  }
}

/** Vitest global setup: starts the IPFS node a package's tests share (given to them with `inject`) and stops it at the end of the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const node = await startIpfsNode()
  project.provide('ipfsRpcUrl', node.rpcUrl)
  project.provide('ipfsGatewayUrl', node.gatewayUrl)
  project.provide('ipfsImplementation', node.implementation)
  return () => node.stop()
}
