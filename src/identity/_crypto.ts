import { randomBytes, toBase64Url, utf8 } from "../store/_bytes.ts";

/** SHA-256 of a string, base64url: how a secret is named in the store (never the secret). */
export async function sha256Url(text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(text))));
}

/** A new secret: `prefix` followed by 32 random bytes, base64url (43 characters). */
export function newSecret(prefix: string): string {
  return `${prefix}${toBase64Url(randomBytes(32))}`;
}

/** Compares two strings in time that depends only on their length. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
