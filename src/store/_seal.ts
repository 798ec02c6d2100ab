/**
 * The sealed-value format of the vault, version 1:
 *
 *   byte 0        format version (1)
 *   byte 1        n = length of the key id
 *   bytes 2..n+1  key id (ASCII), naming the master key that sealed the value
 *   next 12       AES-GCM IV (random)
 *   rest          AES-256-GCM ciphertext with its 16-byte tag
 *
 * AAD = the header (version, n, key id) followed by the UTF-8 storage key, so a value moved
 * to another key, or a header edited to name another key id, fails to open.
 */
import { concatBytes, utf8 } from "./_bytes.ts";
import { VaultError } from "./vault-error.ts";

const version = 1;
const ivLength = 12;
const tagLength = 16;

/** A parsed sealed value. */
export interface SealedParts {
  keyId: string;
  header: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

/** The header naming `keyId`. */
export function sealHeader(keyId: string): Uint8Array<ArrayBuffer> {
  const id = utf8(keyId);
  return concatBytes(Uint8Array.of(version, id.length), id);
}

/** Splits stored bytes into their parts; throws VaultError "malformed" on anything else. */
export function parseSealed(bytes: Uint8Array): SealedParts {
  const idLength = bytes[1] ?? 0;
  const ivStart = 2 + idLength;
  if (bytes[0] !== version || idLength === 0 || bytes.length < ivStart + ivLength + tagLength) {
    throw new VaultError("malformed");
  }
  const copy = bytes.slice();
  return {
    keyId: new TextDecoder().decode(copy.subarray(2, ivStart)),
    header: copy.slice(0, ivStart),
    iv: copy.slice(ivStart, ivStart + ivLength),
    ciphertext: copy.slice(ivStart + ivLength),
  };
}

/** Additional authenticated data for a value at `storageKey`. */
export function sealAad(header: Uint8Array, storageKey: string): Uint8Array<ArrayBuffer> {
  return concatBytes(header, utf8(storageKey));
}

/** Length of the IV to draw for each seal. */
export const sealIvLength = ivLength;
