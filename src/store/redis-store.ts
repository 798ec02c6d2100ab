import { createClient } from "redis";
import type { Logger } from "../log.ts";
import { fromBase64Url, toBase64Url } from "./_bytes.ts";
import { lockToken, retryUntil } from "./_lock-wait.ts";
import type { KeyValueStore } from "./types.ts";

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /** Prefix of every Redis key and channel (default "fhir-gateway:"). */
  prefix?: string;
  log?: Logger;
  /** Connection attempts before start-up gives up (default 5). */
  connectAttempts?: number;
}

/** Deletes the lock only while it still holds our token, so a late holder cannot free another's. */
const releaseScript =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/**
 * A KeyValueStore on Redis (node-redis v5; works under Node and Deno). Values are base64url
 * strings with PX expiry; take is GETDEL; locks are SET NX PX with a random token and a
 * compare-and-delete release; pub/sub runs on a second connection made on first subscribe.
 * Resolves once connected; rejects with a clear message when Redis cannot be reached.
 */
export async function openRedisStore(
  url: string,
  options: RedisStoreOptions = {},
): Promise<KeyValueStore> {
  const prefix = options.prefix ?? "fhir-gateway:";
  const attempts = options.connectAttempts ?? 5;
  let everConnected = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: 5_000,
      // Before the first connection, give up soon (start-up should fail clearly); after it,
      // keep reconnecting so a Redis restart does not take the gateway down.
      reconnectStrategy: (retries: number) =>
        !everConnected && retries >= attempts
          ? new Error("Redis is unreachable")
          : Math.min(50 * 2 ** retries, 2_000),
    },
  });
  let lastError = "";
  client.on("error", (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (message !== lastError) options.log?.warn("redis connection error", { error: message });
    lastError = message;
  });
  client.on("ready", () => (lastError = ""));
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `Could not connect to Redis at FHIR_GATEWAY_REDIS_URL (${redactUrl(url)}): ` +
        `${err instanceof Error ? err.message : String(err)}. Start Redis or fix the URL.`,
    );
  }
  everConnected = true;
  let subscriber: Promise<ReturnType<typeof client.duplicate>> | undefined;

  const k = (key: string) => prefix + key;
  const decode = (value: string | null) =>
    value === null ? undefined : (fromBase64Url(value) ?? new Uint8Array());

  return {
    name: "redis",
    async get(key) {
      return decode(await client.get(k(key)));
    },
    async set(key, value, opts) {
      const expiration = opts?.ttlMs === undefined
        ? undefined
        : { type: "PX" as const, value: Math.max(1, Math.ceil(opts.ttlMs)) };
      await client.set(k(key), toBase64Url(value), { expiration });
    },
    async delete(key) {
      await client.del(k(key));
    },
    async take(key) {
      return decode(await client.getDel(k(key)));
    },
    async list(match) {
      const keys: string[] = [];
      const pattern = k(match).replace(/[*?[\]\\]/g, "\\$&") + "*";
      for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 200 })) {
        for (const key of batch) keys.push(String(key).slice(prefix.length));
      }
      return [...new Set(keys)].sort();
    },
    async withLock(name, ttlMs, fn) {
      const lockKey = k(`lock:${name}`);
      const token = lockToken();
      const px = { type: "PX" as const, value: Math.max(1, Math.ceil(ttlMs)) };
      await retryUntil(name, ttlMs + 30_000, async () => {
        const ok = await client.set(lockKey, token, { condition: "NX", expiration: px });
        return ok === "OK";
      });
      try {
        return await fn();
      } finally {
        await client.eval(releaseScript, { keys: [lockKey], arguments: [token] });
      }
    },
    async publish(channel, message) {
      await client.publish(k(`channel:${channel}`), message);
    },
    async subscribe(channel, onMessage) {
      subscriber ??= (async () => {
        const connection = client.duplicate();
        connection.on("error", () => {}); // reported once through the main client
        await connection.connect();
        return connection;
      })();
      const sub = await subscriber;
      const listener = (message: string) => onMessage(message);
      await sub.subscribe(k(`channel:${channel}`), listener);
      return async () => {
        if (sub.isOpen) await sub.unsubscribe(k(`channel:${channel}`), listener);
      };
    },
    async close() {
      const sub = await subscriber?.catch(() => undefined);
      if (sub?.isOpen) await sub.close();
      if (client.isOpen) await client.close();
    },
  };
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
