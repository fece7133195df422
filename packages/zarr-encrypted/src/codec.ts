import { InvalidOptionError } from '@hamt/core'
import { registry } from 'zarrita'
import { checkKey, decrypt, encrypt, headerBytes, NONCE_LENGTH, TAG_LENGTH } from './xchacha.js'

/** The codec's name in Zarr metadata. */
export const XCHACHA20POLY1305_CODEC = 'xchacha20poly1305'

/** The codec's `configuration` in Zarr metadata (as dClimate's Python codec writes it). */
export type XChaCha20Poly1305Configuration = {
  /** Associated data authenticated with every chunk, as UTF-8 text. */
  header: string
}

/**
 * Where the codec gets its key. zarrita hands a codec only its JSON configuration, and the key must
 * never be written there, so the key is registered with the codec: one key for every array, or a
 * function choosing one from the configuration (its header), for several datasets at once.
 */
export type KeyProvider = Uint8Array | ((configuration: XChaCha20Poly1305Configuration) => Uint8Array)

/** What zarrita's registry holds for a codec. */
type RegistryEntry = Awaited<ReturnType<Parameters<typeof registry.set>[1]>>

/**
 * The `xchacha20poly1305` bytes-to-bytes codec: each chunk is encrypted as py-hamt encrypts values,
 * nonce(24) ‖ tag(16) ‖ ciphertext, with the configured header as associated data. Metadata stays
 * readable; only chunks are encrypted (the approach dClimate recommends).
 */
export class XChaCha20Poly1305Codec {
  /** zarrita's codec kind. */
  readonly kind = 'bytes_to_bytes' as const
  readonly #key: Uint8Array
  readonly #header: Uint8Array

  constructor(key: Uint8Array, configuration: XChaCha20Poly1305Configuration) {
    checkKey(key)
    this.#key = key.slice()
    this.#header = headerBytes(configuration.header)
  }

  /** Encrypts a chunk under a fresh random nonce. */
  async encode(bytes: Uint8Array): Promise<Uint8Array> {
    return encrypt(this.#key, this.#header, bytes)
  }

  /** Decrypts a chunk; throws a `DecryptionError` when it does not authenticate. */
  async decode(bytes: Uint8Array): Promise<Uint8Array> {
    return decrypt(this.#key, this.#header, bytes)
  }

  /** Encrypted size of `decodedSize` bytes (lets the codec sit in a shard index pipeline). */
  computeEncodedSize(decodedSize: number): number {
    return decodedSize + NONCE_LENGTH + TAG_LENGTH
  }
}

/**
 * Registers the `xchacha20poly1305` codec in zarrita's (process-wide) codec registry, with the key it
 * decrypts and encrypts with; registering again replaces the key. Arrays then name it in their
 * codecs: `{ name: 'xchacha20poly1305', configuration: { header: 'dClimate-Zarr' } }` after the
 * compressor (see {@link xchacha20poly1305Codec}).
 *
 * @throws {InvalidOptionError} when a fixed key is not 32 bytes (a provider's key is checked when
 * an array first uses it).
 */
export function registerXChaCha20Poly1305Codec(key: KeyProvider): void {
  if (typeof key !== 'function') checkKey(key)
  const fixed = typeof key === 'function' ? undefined : key.slice()
  const entry = {
    kind: 'bytes_to_bytes' as const,
    fromConfig(configuration: unknown) {
      const config = parseConfiguration(configuration)
      return new XChaCha20Poly1305Codec(
        fixed ?? (key as (c: XChaCha20Poly1305Configuration) => Uint8Array)(config),
        config,
      )
    },
  }
  // zarrita types codecs as numcodecs' Codec (with a codec id this one has no use for).
  registry.set(XCHACHA20POLY1305_CODEC, async () => entry as unknown as RegistryEntry)
}

/** The codec's metadata entry for an array's `codecs`. */
export function xchacha20poly1305Codec(header: string): {
  /** The codec's name in zarrita's registry and in `zarr.json`. */
  name: 'xchacha20poly1305'
  /** The header bound into every chunk's authentication tag. */
  configuration: XChaCha20Poly1305Configuration
} {
  return { name: XCHACHA20POLY1305_CODEC, configuration: parseConfiguration({ header }) }
}

function parseConfiguration(configuration: unknown): XChaCha20Poly1305Configuration {
  if (
    configuration === null ||
    typeof configuration !== 'object' ||
    typeof (configuration as { header?: unknown }).header !== 'string'
  ) {
    throw new InvalidOptionError('the xchacha20poly1305 codec needs a configuration { header: string }')
  }
  return { header: (configuration as XChaCha20Poly1305Configuration).header }
}
