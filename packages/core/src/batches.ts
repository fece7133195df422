/**
 * `source` in arrays of up to `size` items. A pipeline of async generators costs a few promises per
 * item it passes on; passed on in arrays, that cost is paid per array. A sync iterable is read without
 * a promise per item (`for await` over it would make one).
 */
export async function* inBatches<T>(source: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = []
  if (Symbol.asyncIterator in source) {
    for await (const item of source) {
      batch.push(item)
      if (batch.length === size) {
        yield batch
        batch = []
      }
    }
  } else {
    for (const item of source) {
      batch.push(item)
      if (batch.length === size) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}
