import type { Context, MiddlewareHandler } from "hono";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createLocalCounters } from "./_local-counters.ts";
import type { ClientAddress } from "./client-address.ts";

/** Shared counters: `KeyValueStore.increment` (INCR + PEXPIRE NX across instances). */
export interface Counters {
  /** Adds one to `key` and answers the new count; the first hit starts a `ttlMs` expiry. */
  increment(key: string, ttlMs: number): Promise<number>;
}

/** One bucket: at most `limit` requests per window, per client address or per session. */
export interface RateLimitRule {
  /** Bucket name, in the 429 message, the audit line and the counter key. */
  bucket: string;
  /** Requests allowed per window; 0 turns the rule off. */
  limit: number;
  by: "address" | "session";
  /** Which requests count; default every request. */
  applies?: (c: Context) => boolean;
}

/** Options of rateLimit(). */
export interface RateLimitOptions {
  counters: Counters;
  rules: readonly RateLimitRule[];
  windowSeconds: number;
  clientAddress: ClientAddress;
  /** The credential naming the caller's session, if any (default: sessionCredential). */
  sessionOf?: (c: Context) => string | undefined;
  /** Requests never counted (health checks). */
  skip?: (c: Context) => boolean;
  /** Called once per window and bucket for a caller that goes over (audit). */
  onLimited?: (c: Context, rule: RateLimitRule) => void;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
  log?: Logger;
  /** Longest wait for the shared counters before counting in this process (default 2 s). */
  storeTimeoutMs?: number;
}

/**
 * Fixed-window rate limits shared by every instance through the store's counters. Address
 * rules are counted first and a refused request counts nothing more, so callers inventing
 * session cookies cannot create more counters than their address's limit allows; every
 * counter expires with its window. Over a limit: 429 OperationOutcome with Retry-After
 * (seconds to the window's end). When the store fails or does not answer in time, counting
 * falls back to this process for a few seconds, so limits still hold per instance.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const rules = options.rules.filter((r) => r.limit > 0);
  const byAddress = rules.filter((r) => r.by === "address");
  const bySession = rules.filter((r) => r.by === "session");
  const sessionOf = options.sessionOf ?? sessionCredential;
  const local = createLocalCounters({ now });
  const timeoutMs = options.storeTimeoutMs ?? 2000;
  const retryStoreMs = 5000;
  let warnedWindow = -1;

  // After a failure the store is left alone for a while, so an outage costs one timeout,
  // not one per request.
  let skipStoreUntil = 0;
  const increment = async (key: string, ttlMs: number, window: number): Promise<number> => {
    if (now() < skipStoreUntil) return await local.increment(key, ttlMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        options.counters.increment(key, ttlMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
        }),
      ]);
    } catch (err) {
      skipStoreUntil = now() + retryStoreMs;
      if (warnedWindow !== window) {
        warnedWindow = window;
        options.log?.warn("rate-limit counters unavailable; counting in this instance", {
          error: err instanceof Error ? err.message : String(err),
        });
      }
      return await local.increment(key, ttlMs);
    } finally {
      clearTimeout(timer);
    }
  };

  const check = async (c: Context, group: RateLimitRule[], subject: string) => {
    const t = now();
    const window = Math.floor(t / windowMs);
    const endsAt = (window + 1) * windowMs;
    const tag = await subjectTag(subject);
    const counts = await Promise.all(
      group.map((rule) =>
        increment(`ratelimit:${rule.bucket}:${tag}:${window}`, endsAt - t + 1000, window)
      ),
    );
    const over = group.findIndex((rule, i) => counts[i]! > rule.limit);
    if (over < 0) return;
    const rule = group[over]!;
    if (counts[over] === rule.limit + 1) options.onLimited?.(c, rule);
    const retryAfterSeconds = Math.max(1, Math.ceil((endsAt - t) / 1000));
    throw new GatewayError(
      "rate_limited",
      `Too many requests (${rule.bucket}: ${rule.limit} per ${options.windowSeconds} s).`,
      { details: { retryAfterSeconds } },
    );
  };

  return async function rateLimit(c, next) {
    if (rules.length === 0 || options.skip?.(c)) return await next();
    const addressRules = byAddress.filter((r) => r.applies?.(c) ?? true);
    if (addressRules.length > 0) {
      await check(c, addressRules, `address:${options.clientAddress(c).address}`);
    }
    const session = bySession.length > 0 ? sessionOf(c) : undefined;
    const sessionRules = session ? bySession.filter((r) => r.applies?.(c) ?? true) : [];
    if (session && sessionRules.length > 0) await check(c, sessionRules, `session:${session}`);
    await next();
  };
}

/**
 * The credential that names a caller's gateway session: an auth handle, an MCP session id
 * or the session cookie. It is only hashed into a counter key, never stored or logged.
 */
export function sessionCredential(c: Context): string | undefined {
  const handle = c.req.header("x-auth-handle");
  if (handle) return `handle:${handle}`;
  const mcp = c.req.header("mcp-session-id");
  if (mcp) return `mcp:${mcp}`;
  const cookie = /(?:^|;\s*)(?:__Host-)?fhir_gateway_session=([^;\s]+)/.exec(
    c.req.header("cookie") ?? "",
  );
  return cookie ? `cookie:${cookie[1]}` : undefined;
}

/** A short hash of a subject, so counter keys hold neither addresses nor credentials. */
async function subjectTag(subject: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(subject)),
  );
  return [...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
