import { fromBase64Url, randomBytes, toBase64Url, utf8 } from "../store/_bytes.ts";
import { timingSafeEqual } from "./_crypto.ts";

/** Iterations of new hashes (OWASP's figure for PBKDF2-HMAC-SHA256). */
const defaultIterations = 600_000;
const minIterations = 10_000;
const maxIterations = 10_000_000;

/** Hashes a password as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (WebCrypto PBKDF2). */
export async function hashPassword(
  password: string,
  iterations = defaultIterations,
): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${hash}`;
}

/** True when `password` matches `stored`; false for a malformed or weak stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, rounds, saltText, expected] = stored.split("$");
  const iterations = Number(rounds);
  const salt = saltText === undefined ? undefined : fromBase64Url(saltText);
  if (
    scheme !== "pbkdf2-sha256" || !salt || !expected || !Number.isInteger(iterations) ||
    iterations < minIterations || iterations > maxIterations || password.length > 1024
  ) {
    return false;
  }
  return timingSafeEqual(await derive(password, salt, iterations), expected);
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  return toBase64Url(new Uint8Array(bits));
}
