/**
 * zarrita's keys are absolute (`/temp/c/0/0`); py-hamt stores them without the leading `/`
 * (`temp/c/0/0`). Keys given without the `/` are taken as they are.
 */
export function toHamtKey(key: string): string {
  return key.startsWith('/') ? key.slice(1) : key
}

/** Whether a stored key names Zarr metadata (`zarr.json`, at the root or below), as py-hamt decides. */
export function isMetadataKey(hamtKey: string): boolean {
  return hamtKey === 'zarr.json' || hamtKey.endsWith('/zarr.json')
}

/**
 * A listing prefix as a directory: no leading `/`, and a trailing `/` unless it is the root (`''`).
 */
export function toDirPrefix(prefix: string): string {
  const key = toHamtKey(prefix)
  return key === '' || key.endsWith('/') ? key : `${key}/`
}
