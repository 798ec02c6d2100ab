import type { Kv, KvKey } from "../runtime/kv.ts";
import { fromUtf8, utf8 } from "./_bytes.ts";
import { lockToken, retryUntil } from "./_lock-wait.ts";

/**
 * Runs `fn` holding the lock at `key`, shared by every handle on the KV file. Taking the lock
 * is an atomic write checked against the versionstamp just read (absent, or held past its
 * expiry); releasing deletes it only if the versionstamp is still ours.
 */
export async function withKvLock<T>(
  kv: Kv,
  key: KvKey,
  name: string,
  ttlMs: number,
  now: () => number,
  fn: () => Promise<T>,
): Promise<T> {
  let ours: string | undefined;
  await retryUntil(name, ttlMs + 30_000, async () => {
    const current = await kv.get(key);
    if (current.versionstamp !== null && !isExpired(current.value, now())) return false;
    const value = utf8(JSON.stringify({ token: lockToken(), expiresAt: now() + ttlMs }));
    const result = await kv.atomic()
      .check({ key, versionstamp: current.versionstamp })
      .set(key, value, { expireIn: ttlMs })
      .commit();
    ours = result.ok ? result.versionstamp : undefined;
    return result.ok;
  });
  try {
    return await fn();
  } finally {
    const current = await kv.get(key);
    if (current.versionstamp === ours) {
      await kv.atomic().check({ key, versionstamp: ours }).delete(key).commit();
    }
  }
}

function isExpired(value: unknown, at: number): boolean {
  if (!(value instanceof Uint8Array)) return true;
  try {
    const { expiresAt } = JSON.parse(fromUtf8(value)) as { expiresAt?: unknown };
    return typeof expiresAt !== "number" || expiresAt <= at;
  } catch {
    return true;
  }
}
