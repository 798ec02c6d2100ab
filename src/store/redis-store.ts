import { createClient } from "redis";
import type { Logger } from "../log.ts";
import { fromBase64Url, toBase64Url } from "./_bytes.ts";
import { lockToken, retryUntil, runHolding } from "./_lock-wait.ts";
import { redisScripts } from "./_redis-scripts.ts";
import { StoreUnavailableError } from "./store-error.ts";
import type { KeyValueStore } from "./types.ts";

/** Options of the Redis store. */
export interface RedisStoreOptions {
  /** Prefix of every Redis key and channel (default "fhir-gateway:"). */
  prefix?: string;
  log?: Logger;
  /** Connection attempts before start-up gives up (default 5). */
  connectAttempts?: number;
  /**
   * How long one command may take before it fails with StoreUnavailableError (default
   * 2000 ms). While Redis is unreachable, commands fail at once instead of queueing.
   */
  commandTimeoutMs?: number;
}

/**
 * A KeyValueStore on Redis (node-redis v5; works under Node and Deno). Values are base64url
 * strings with PX expiry; take is GETDEL; compare-and-set, counters and lock renewal are Lua
 * scripts (atomic on the server); locks are SET NX PX with a random token. Pub/sub runs on a
 * second connection made on first subscribe. Every command is bounded: no offline queue and a
 * command timeout, so a Redis outage answers StoreUnavailableError (503) within
 * `commandTimeoutMs`, and the client keeps reconnecting so the gateway recovers by itself.
 * Resolves once connected; rejects with a clear message when Redis cannot be reached.
 */
export async function openRedisStore(
  url: string,
  options: RedisStoreOptions = {},
): Promise<KeyValueStore> {
  const prefix = options.prefix ?? "fhir-gateway:";
  const attempts = options.connectAttempts ?? 5;
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  let everConnected = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: timeoutMs },
    socket: {
      connectTimeout: Math.max(timeoutMs, 1_000),
      // Before the first connection, give up soon (start-up should fail clearly); after it,
      // keep reconnecting so a Redis restart does not take the gateway down.
      reconnectStrategy: (retries: number) =>
        !everConnected && retries >= attempts
          ? new Error("Redis is unreachable")
          : Math.min(50 * 2 ** retries, 1_000),
    },
  });
  let lastError = "";
  client.on("error", (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (message !== lastError) options.log?.warn("redis connection error", { error: message });
    lastError = message;
  });
  client.on("ready", () => {
    if (lastError) options.log?.info("redis connection restored");
    lastError = "";
  });
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

  // After a command times out (Redis frozen or overloaded), fail fast for one timeout period
  // instead of letting every command of every request wait the full timeout again.
  let failFastUntil = 0;
  /** Runs one command, bounded by the timeout; any failure becomes StoreUnavailableError. */
  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    if (Date.now() < failFastUntil) {
      throw new StoreUnavailableError(operation, "a recent command timed out");
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), timeoutMs + 250);
    });
    try {
      return await Promise.race([run(), late]);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (/timed? ?out|timeout/i.test(reason)) failFastUntil = Date.now() + timeoutMs;
      throw new StoreUnavailableError(operation, reason.slice(0, 200), err);
    } finally {
      clearTimeout(timer);
    }
  };
  const k = (key: string) => prefix + key;
  const decode = (value: string | null) =>
    value === null ? undefined : (fromBase64Url(value) ?? new Uint8Array());
  const px = (ttlMs: number) => String(Math.max(1, Math.ceil(ttlMs)));
  const evalScript = (script: string, keys: string[], args: string[]) =>
    guard("script", () => client.eval(script, { keys, arguments: args }));

  return {
    name: "redis",
    get: (key) => guard("get", async () => decode(await client.get(k(key)))),
    async set(key, value, opts) {
      const expiration = opts?.ttlMs === undefined
        ? undefined
        : { type: "PX" as const, value: Math.max(1, Math.ceil(opts.ttlMs)) };
      await guard("set", () => client.set(k(key), toBase64Url(value), { expiration }));
    },
    async delete(key) {
      await guard("delete", () => client.del(k(key)));
    },
    take: (key) => guard("take", async () => decode(await client.getDel(k(key)))),
    async list(match) {
      // Each SCAN step is one bounded command, so a large database does not hit the timeout.
      const keys = new Set<string>();
      const pattern = k(match).replace(/[*?[\]\\]/g, "\\$&") + "*";
      let cursor = "0";
      do {
        const step = await guard("list", () => client.scan(cursor, { MATCH: pattern, COUNT: 500 }));
        for (const key of step.keys) keys.add(String(key).slice(prefix.length));
        cursor = String(step.cursor);
      } while (cursor !== "0");
      return [...keys].sort();
    },
    async getVersioned(key) {
      const reply = await evalScript(redisScripts.getVersioned, [k(key)], []);
      if (!Array.isArray(reply)) return undefined;
      const [value, version, pttl] = reply as [string, string, number];
      return {
        value: decode(value)!,
        version,
        expiresAt: pttl >= 0 ? Date.now() + pttl : undefined,
      };
    },
    async setIf(key, version, value, opts) {
      const ttl = opts?.ttlMs === undefined ? "" : px(opts.ttlMs);
      const args = [version ?? "", toBase64Url(value), ttl];
      return (await evalScript(redisScripts.setIf, [k(key)], args)) === 1;
    },
    async increment(key, ttlMs) {
      return Number(await evalScript(redisScripts.increment, [k(`counter:${key}`)], [px(ttlMs)]));
    },
    async withLock(name, ttlMs, fn) {
      const lockKey = k(`lock:${name}`);
      const token = lockToken();
      await retryUntil(name, ttlMs + 30_000, async () => {
        const expiration = { type: "PX" as const, value: Math.max(1, Math.ceil(ttlMs)) };
        const ok = await guard(
          "lock",
          () => client.set(lockKey, token, { condition: "NX", expiration }),
        );
        return ok === "OK";
      });
      return await runHolding(ttlMs, {
        renew: async () =>
          (await evalScript(redisScripts.renew, [lockKey], [token, px(ttlMs)])) === 1,
        release: async () => {
          await evalScript(redisScripts.release, [lockKey], [token]);
        },
      }, fn);
    },
    async publish(channel, message) {
      await guard("publish", () => client.publish(k(`channel:${channel}`), message));
    },
    async subscribe(channel, onMessage) {
      subscriber ??= (async () => {
        const connection = client.duplicate();
        connection.on("error", () => {}); // reported once through the main client
        await connection.connect();
        return connection;
      })().catch((err) => {
        subscriber = undefined;
        throw err;
      });
      const sub = await guard("subscribe", () => subscriber!);
      const listener = (message: string) => onMessage(message);
      await guard("subscribe", () => sub.subscribe(k(`channel:${channel}`), listener));
      return async () => {
        if (sub.isReady) {
          await guard("unsubscribe", () => sub.unsubscribe(k(`channel:${channel}`), listener))
            .catch(() => {});
        }
      };
    },
    async ping() {
      const started = Date.now();
      try {
        await guard("ping", () => client.ping());
        return { ok: true, latencyMs: Date.now() - started };
      } catch (err) {
        const reason = err instanceof StoreUnavailableError ? err.reason : String(err);
        return { ok: false, latencyMs: Date.now() - started, error: reason };
      }
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
