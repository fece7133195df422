/**
 * What went wrong, in words for the person at the page. Errors are told apart by their `code` (every
 * error of the @hamt packages, and of this page, has one), so this needs none of their classes.
 */
export function describeError(error: unknown, gateways: string[], cid: string): string {
  const chain = causes(error)
  const coded = chain.find((e) => typeof (e as { code?: unknown }).code === 'string') as
    | (Error & { code: string; status?: number; seconds?: number })
    | undefined
  const where =
    gateways.length === 1 ? `The gateway at ${gateways[0]}` : `None of the gateways (${gateways.join(', ')})`
  switch (coded?.code) {
    case 'ERR_NOT_A_CID':
    case 'ERR_NOTHING_TO_DRAW':
      return coded.message
    case 'ERR_CANCELLED':
      return 'Cancelled. Press Open to try again.'
    case 'ERR_GATEWAY_SILENT':
      return (
        `${where} sent nothing for ${coded.seconds} s, so the page gave up. ` +
        'The gateway may be down or busy, or may be looking for the blocks elsewhere: try another gateway ' +
        '(you can list several), or allow more time under “Give up after”.'
      )
    case 'ERR_INVALID_OPTION':
      return `That gateway URL does not work: ${coded.message}`
    case 'ERR_BLOCK_NOT_FOUND':
      return (
        `${where} has no block ${cid === '' ? '' : `for ${cid} `}(“not found”). ` +
        'Check the root CID, and that the dataset is on the IPFS node behind this gateway.'
      )
    case 'ERR_ZARR_LAYOUT':
      return `${coded.message}. Check the root CID: it should be the one the dataset's publisher gives.`
    case 'ERR_INVALID_NODE':
      return `${cid} is not the root of a HAMT or of a sharded Zarr store: ${coded.message}`
    case 'ERR_DECRYPTION':
      return 'The key (or the header) does not decrypt this dataset. Check them and press Unlock again.'
    case 'ERR_INTEGRITY':
    case 'ERR_UNVERIFIABLE':
      return `The gateway sent data that could not be verified against its CID: ${coded.message}`
    case 'ERR_KUBO_REQUEST':
      return requestProblem(coded, where)
  }
  if (chain.some((e) => e instanceof TypeError && /fetch|network|load failed/i.test(e.message))) {
    return `${where} cannot be reached: the connection failed. Is the URL right and the gateway running?`
  }
  const top = chain[0]
  return `Could not open the dataset: ${top instanceof Error ? `${top.name}: ${top.message}` : String(error)}`
}

function requestProblem(error: Error & { status?: number }, where: string): string {
  if (error.status === undefined) {
    return `${where} cannot be reached. Is the URL right and the gateway running? (${error.message})`
  }
  return `${where} answered HTTP ${error.status}. (${error.message})`
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = []
  for (let e: unknown = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) {
    chain.push(e)
    if (!(e instanceof Error)) break
  }
  return chain
}
