import { type Kv, type KvEntry, type KvKey, openKv } from "../runtime/kv.ts";
import { fromUtf8, utf8 } from "./_bytes.ts";
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
 * `["fhir-gateway", "v", key]`; counters, locks and channels under their own parts.
 * Compare-and-set uses KV versionstamps (an atomic check).
 */
export function createKvStore(kv: Kv, options: KvStoreOptions = {}): KeyValueStore {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 250;
  const dataKey = (key: string): KvKey => [root, "v", key];
  const subscriptions = new Set<() => Promise<void>>();

  /** The raw entry at `key` and, when it is live, its value and expiry. */
  const read = async (key: string) => {
    const entry = await kv.get(dataKey(key));
    if (entry.versionstamp === null) return { entry, live: undefined };
    const decoded = decodeKvValue(entry.value);
    if (!decoded || (decoded.expiresAt !== undefined && decoded.expiresAt <= now())) {
      return { entry, live: undefined };
    }
    return { entry, live: { ...decoded, version: entry.versionstamp } };
  };
  const expiry = (ttlMs: number | undefined) => ({
    at: ttlMs === undefined ? undefined : now() + ttlMs,
    options: ttlMs === undefined ? undefined : { expireIn: Math.max(1, ttlMs) },
  });
  /** Deletes an expired entry, unless someone rewrote it meanwhile. */
  const dropIfStale = async (entry: KvEntry) => {
    if (entry.versionstamp !== null) await kv.atomic().check(entry).delete(entry.key).commit();
  };

  return {
    name: "kv",
    async get(key) {
      const { entry, live } = await read(key);
      if (!live) await dropIfStale(entry);
      return live?.value;
    },
    async set(key, value, opts) {
      const { at, options: kvOptions } = expiry(opts?.ttlMs);
      await kv.set(dataKey(key), encodeKvValue(value, at), kvOptions);
    },
    async delete(key) {
      await kv.delete(dataKey(key));
    },
    async take(key) {
      // Read, then delete only if nobody changed it since: one caller wins, others retry.
      for (;;) {
        const { entry, live } = await read(key);
        if (!live) return undefined;
        const { ok } = await kv.atomic().check(entry).delete(entry.key).commit();
        if (ok) return live.value;
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
    async getVersioned(key) {
      const { live } = await read(key);
      return live && { value: live.value, version: live.version, expiresAt: live.expiresAt };
    },
    async setIf(key, version, value, opts) {
      const { entry, live } = await read(key);
      if ((live?.version ?? null) !== version) return false;
      const { at, options: kvOptions } = expiry(opts?.ttlMs);
      // An expired entry still has a versionstamp: check against what is really there.
      const { ok } = await kv.atomic()
        .check({ key: entry.key, versionstamp: entry.versionstamp })
        .set(entry.key, encodeKvValue(value, at), kvOptions)
        .commit();
      return ok;
    },
    async increment(key, ttlMs) {
      const counterKey: KvKey = [root, "counter", key];
      for (;;) {
        const entry = await kv.get(counterKey);
        const decoded = entry.versionstamp === null ? undefined : decodeKvValue(entry.value);
        const at = now();
        const running = decoded?.expiresAt !== undefined && decoded.expiresAt > at;
        const count = running ? Number(fromUtf8(decoded.value)) + 1 : 1;
        const expiresAt = running ? decoded.expiresAt! : at + ttlMs;
        const { ok } = await kv.atomic()
          .check({ key: counterKey, versionstamp: entry.versionstamp })
          .set(counterKey, encodeKvValue(utf8(String(count)), expiresAt), {
            expireIn: Math.max(1, expiresAt - at),
          })
          .commit();
        if (ok) return count;
      }
    },
    withLock(name, ttlMs, fn) {
      return withKvLock(kv, [root, "lock", name], name, ttlMs, fn);
    },
    async publish(channel, message) {
      await kvPublish(kv, [root, "channel", channel], message);
    },
    async subscribe(channel, onMessage) {
      const stop = await kvSubscribe(kv, [root, "channel", channel], pollMs, onMessage);
      const unsubscribe = async () => {
        subscriptions.delete(unsubscribe);
        await stop();
      };
      subscriptions.add(unsubscribe);
      return unsubscribe;
    },
    async ping() {
      const started = Date.now();
      try {
        await kv.get([root, "ping"]);
        return { ok: true, latencyMs: Date.now() - started };
      } catch (err) {
        return { ok: false, latencyMs: Date.now() - started, error: String(err).slice(0, 200) };
      }
    },
    async close() {
      await Promise.all([...subscriptions].map((stop) => stop()));
      kv.close();
    },
  };
}
