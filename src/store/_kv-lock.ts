import type { Kv, KvKey } from "../runtime/kv.ts";
import { fromUtf8, utf8 } from "./_bytes.ts";
import { lockToken, retryUntil, runHolding } from "./_lock-wait.ts";

/**
 * Runs `fn` holding the lock at `key`, shared by every handle on the KV file. Taking the lock
 * is an atomic write checked against the versionstamp just read (absent, or held past its
 * expiry); renewing and releasing check that the lock still holds our token. Timed on the
 * real clock, like Redis locks.
 */
export async function withKvLock<T>(
  kv: Kv,
  key: KvKey,
  name: string,
  ttlMs: number,
  fn: (lock: { signal: AbortSignal }) => Promise<T>,
): Promise<T> {
  const token = lockToken();
  const lease = () => ({
    value: utf8(JSON.stringify({ token, expiresAt: Date.now() + ttlMs })),
    options: { expireIn: ttlMs },
  });
  await retryUntil(name, ttlMs + 30_000, async () => {
    const current = await kv.get(key);
    if (current.versionstamp !== null && readLock(current.value).expiresAt > Date.now()) {
      return false;
    }
    const { value, options } = lease();
    const result = await kv.atomic()
      .check({ key, versionstamp: current.versionstamp })
      .set(key, value, options)
      .commit();
    return result.ok;
  });
  const ours = async () => {
    const current = await kv.get(key);
    const lock = readLock(current.value);
    return current.versionstamp !== null && lock.token === token && lock.expiresAt > Date.now()
      ? current
      : undefined;
  };
  return await runHolding(ttlMs, {
    async renew() {
      const current = await ours();
      if (!current) return false;
      const { value, options } = lease();
      return (await kv.atomic().check(current).set(key, value, options).commit()).ok;
    },
    async release() {
      const current = await ours();
      if (current) await kv.atomic().check(current).delete(key).commit();
    },
  }, fn);
}

function readLock(value: unknown): { token?: string; expiresAt: number } {
  if (!(value instanceof Uint8Array)) return { expiresAt: 0 };
  try {
    const { token, expiresAt } = JSON.parse(fromUtf8(value)) as {
      token?: unknown;
      expiresAt?: unknown;
    };
    return {
      token: typeof token === "string" ? token : undefined,
      expiresAt: typeof expiresAt === "number" ? expiresAt : 0,
    };
  } catch {
    return { expiresAt: 0 };
  }
}
