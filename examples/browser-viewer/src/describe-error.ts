/**
 * What went wrong, in words for the person at the page. Errors are told apart by their `code` (every
 * error of the @hamt packages has one), so this needs none of their classes.
 */
export function describeError(error: unknown, gatewayUrl: string, cid: string): string {
  const chain = causes(error)
  const coded = chain.find((e) => typeof (e as { code?: unknown }).code === 'string') as
    | (Error & { code: string; status?: number })
    | undefined
  switch (coded?.code) {
    case 'ERR_NOT_A_CID':
    case 'ERR_NOTHING_TO_DRAW':
      return coded.message
    case 'ERR_INVALID_OPTION':
      return `That gateway URL does not work: ${coded.message}`
    case 'ERR_BLOCK_NOT_FOUND':
      return (
        `The gateway at ${gatewayUrl} has no block ${cid === '' ? '' : `for ${cid} `}(“not found”). ` +
        'Check the root CID, and that the dataset is on the IPFS node behind this gateway.'
      )
    case 'ERR_INVALID_NODE':
      return `${cid} is not the root of a HAMT: ${coded.message}`
    case 'ERR_INTEGRITY':
    case 'ERR_UNVERIFIABLE':
      return `The gateway sent data that could not be verified against its CID: ${coded.message}`
    case 'ERR_KUBO_REQUEST':
      return requestProblem(coded, gatewayUrl)
  }
  if (chain.some((e) => e instanceof TypeError && /fetch|network|load failed/i.test(e.message))) {
    return `Cannot reach the gateway at ${gatewayUrl}: the connection failed. Is the URL right and the gateway running?`
  }
  const top = chain[0]
  return `Could not open the dataset: ${top instanceof Error ? `${top.name}: ${top.message}` : String(error)}`
}

function requestProblem(error: Error & { status?: number }, gatewayUrl: string): string {
  if (error.status === undefined) {
    return `Cannot reach the gateway at ${gatewayUrl}. Is the URL right and the gateway running? (${error.message})`
  }
  return `The gateway at ${gatewayUrl} answered HTTP ${error.status}. (${error.message})`
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let e: unknown = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) {
    chain.push(e)
    if (!(e instanceof Error)) break
  }
  return chain
}
