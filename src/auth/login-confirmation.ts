import { randomBytes, toBase64Url, utf8 } from "../store/_bytes.ts";
import type { Vault } from "../store/types.ts";

/**
 * What the vault keeps for an agent-started login until the user confirms it on the gateway's
 * confirm page (RFC 8628-style user code). Never returned to a caller as a whole: the page
 * shows the platform and the code; only the confirming POST learns `authorizationUrl`.
 */
export interface LoginConfirmation {
  /** Platform key. */
  platform: string;
  /** Display name of the platform (and organization), for the page. */
  platformName: string;
  /** The code the agent shows the user, `XXXX-XXXX`. */
  userCode: string;
  /** The platform's authorization URL (holds the single-use `state`). */
  authorizationUrl: string;
  /** ISO time the login (and this record) expires. */
  expiresAt: string;
}

/** RFC 8628 section 6.1: consonants only, no vowels (no words) and no look-alikes. */
const codeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";
/** A confirm id: 32 random bytes, base64url (43 characters). */
export const confirmIdPattern = /^[A-Za-z0-9_-]{43}$/;

/** A user code of 8 characters from {@link codeAlphabet}, formatted `XXXX-XXXX`. */
export function newUserCode(): string {
  const chars: string[] = [];
  while (chars.length < 8) {
    for (const b of randomBytes(16)) {
      // 240 is the largest multiple of 20 below 256: rejecting above it keeps the code uniform.
      if (b < 240 && chars.length < 8) chars.push(codeAlphabet[b % codeAlphabet.length]!);
    }
  }
  return `${chars.slice(0, 4).join("")}-${chars.slice(4).join("")}`;
}

/** The vault key of a confirm id: its SHA-256, so the store never sees an id a browser holds. */
async function confirmKey(id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", utf8(id));
  return `login-confirm:${toBase64Url(new Uint8Array(digest))}`;
}

/** Stores `record` under a new random 256-bit id for `ttlMs`; answers the id. */
export async function putConfirmation(
  vault: Vault,
  record: LoginConfirmation,
  ttlMs: number,
): Promise<string> {
  const id = toBase64Url(randomBytes(32));
  await vault.put(await confirmKey(id), record, { ttlMs });
  return id;
}

/** The live confirmation named by `id` (left in place), or undefined. */
export async function peekConfirmation(
  vault: Vault,
  id: string,
): Promise<LoginConfirmation | undefined> {
  if (!confirmIdPattern.test(id)) return undefined;
  return await vault.get<LoginConfirmation>(await confirmKey(id));
}

/** Takes (single use, atomically) the confirmation named by `id`, or undefined. */
export async function takeConfirmation(
  vault: Vault,
  id: string,
): Promise<LoginConfirmation | undefined> {
  if (!confirmIdPattern.test(id)) return undefined;
  return await vault.take<LoginConfirmation>(await confirmKey(id));
}
