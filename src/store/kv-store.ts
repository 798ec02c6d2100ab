import { type Kv, type KvKey, openKv } from "../runtime/kv.ts";
import { busyRetryingKv } from "./_kv-busy.ts";
import { decodeKvValue, encodeKvValue } from "./_kv-entry.ts";
import { withKvLock } from "./_kv-lock.ts";
import { kvPublish, kvSubscribe } from "./_kv-pubsub.ts";
import type { KeyValueStore } from "./types.ts";

/** Options of the Deno KV store. */
export interface KvStoreOptions {
  /** Clock for expiry checks, in epoch milliseconds. */
  now?: () => number;
  /** How often a subscriber looks for messages written by another process (default 250 ms). */
  pollMs?: number;
}

/** The highest code point: a string range ending here covers every key with the prefix. */
const maxChar = "\u{10FFFF}";
const root = "fhir-gateway";

/** Opens the Deno KV file at `path` (created when missing) as a KeyValueStore. */
export async function openKvStore(
  path: string,
  options: KvStoreOptions = {},
): Promise<KeyValueStore> {
  return createKvStore(busyRetryingKv(await openKv(path)), options);
}

/**
 * A KeyValueStore over a Deno KV database: natively under Deno, `@deno/kv` under Node, the
 * same file either way. Values are kept as raw bytes with their expiry (see _kv-entry.ts);
 * KV's `expireIn` removes them eventually and reads drop them at once. Keys live under
 * `["fhir-gateway", "v", key]`; locks and channels under their own parts.
 */
export function createKvStore(kv: Kv, options: KvStoreOptions = {}): KeyValueStore {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 250;
  const dataKey = (key: string): KvKey => [root, "v", key];
  const subscriptions = new Set<() => Promise<void>>();

  /** The live value at `key` with its versionstamp; removes it when expired. */
  const read = async (key: string) => {
    const entry = await kv.get(dataKey(key));
    if (entry.versionstamp === null) return undefined;
    const decoded = decodeKvValue(entry.value);
    if (decoded?.expiresAt !== undefined && decoded.expiresAt <= now()) {
      await kv.atomic().check(entry).delete(entry.key).commit();
      return undefined;
    }
    return decoded && { value: decoded.value, versionstamp: entry.versionstamp };
  };

  return {
    name: "kv",
    async get(key) {
      return (await read(key))?.value;
    },
    async set(key, value, opts) {
      const ttlMs = opts?.ttlMs;
      const stored = encodeKvValue(value, ttlMs === undefined ? undefined : now() + ttlMs);
      await kv.set(dataKey(key), stored, ttlMs === undefined ? undefined : { expireIn: ttlMs });
    },
    async delete(key) {
      await kv.delete(dataKey(key));
    },
    async take(key) {
      // Read, then delete only if nobody changed it since: one caller wins, others retry.
      for (;;) {
        const current = await read(key);
        if (!current) return undefined;
        const { ok } = await kv.atomic()
          .check({ key: dataKey(key), versionstamp: current.versionstamp })
          .delete(dataKey(key))
          .commit();
        if (ok) return current.value;
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      const at = now();
      for await (
        const entry of kv.list({ start: dataKey(prefix), end: dataKey(prefix + maxChar) })
      ) {
        const name = entry.key[2];
        const decoded = decodeKvValue(entry.value);
        if (typeof name !== "string" || !decoded) continue;
        if (decoded.expiresAt !== undefined && decoded.expiresAt <= at) continue;
        keys.push(name);
      }
      return keys;
    },
    withLock(name, ttlMs, fn) {
      return withKvLock(kv, [root, "lock", name], name, ttlMs, now, fn);
    },
    async publish(channel, message) {
      await kvPublish(kv, [root, "channel", channel], message);
    },
    async subscribe(channel, onMessage) {
      const stop = await kvSubscribe(
        kv,
        [root, "channel", channel],
        pollMs,
        onMessage,
      );
      const unsubscribe = async () => {
        subscriptions.delete(unsubscribe);
        await stop();
      };
      subscriptions.add(unsubscribe);
      return unsubscribe;
    },
    async close() {
      await Promise.all([...subscriptions].map((stop) => stop()));
      kv.close();
    },
  };
}
