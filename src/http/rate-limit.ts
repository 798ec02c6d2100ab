import type { Context, MiddlewareHandler } from "hono";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { SharedCounts } from "./_shared-counts.ts";
import type { ClientAddress } from "./client-address.ts";

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
  /** Counters shared with the other instances; without them, limits hold per process. */
  shared?: SharedCounts;
  rules: readonly RateLimitRule[];
  windowSeconds: number;
  clientAddress: ClientAddress;
  /** The credential naming the caller's session, if any (default: sessionCredential). */
  sessionOf?: (c: Context) => string | undefined;
  /** Requests never counted (health checks). */
  skip?: (c: Context) => boolean;
  /** Called once per window and bucket for a caller that goes over, per instance (audit). */
  onLimited?: (c: Context, rule: RateLimitRule) => void;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
  log?: Logger;
  /** Longest wait for the shared counters before deciding on this process's count (2 s). */
  storeTimeoutMs?: number;
  /**
   * How old this instance's view of the shared count may get before a request pushes its
   * counts and reads the total back (default 1000 ms): the staleness bound.
   */
  syncMs?: number;
  /** Most counters held in this process (default 100,000); past it counting starts over. */
  maxEntries?: number;
}

/** One bucket, subject and window as this instance sees it. */
interface Count {
  /** The shared total at the last sync (this instance's pushed hits included). */
  shared: number;
  /** Hits counted here and not pushed yet. */
  pending: number;
  /** Hits being pushed now. */
  inFlight: number;
  /** When the last sync started (its answer is at least this fresh); -Infinity: never. */
  syncedAt: number;
  endsAt: number;
  /** The refusal of this window was reported (onLimited). */
  reported: boolean;
  storeKey?: Promise<string>;
  syncing?: Promise<void>;
  bucket: string;
  subject: string;
  window: number;
}

/**
 * Fixed-window rate limits, counted in this process and shared with every instance through
 * the store in batches. Each request counts here at once; a request that finds this
 * instance's view of a counter older than `syncMs` pushes the hits counted since the last
 * push and reads the shared total back (one store write per counter and interval, not per
 * request); the other requests decide on the last shared total plus this instance's own
 * hits. Hits left unpushed when traffic stops are pushed by a timer `syncMs` later. So a
 * refusal is never wrong (the count it sees is a lower bound of the shared count), and
 * across instances a caller can get past its limit by at most what the other instances
 * admitted in the last `syncMs`; one instance alone is exact.
 *
 * Address rules are counted first and a refused request counts nothing more, so callers
 * inventing session cookies cannot create more counters than their address's limit allows;
 * every counter expires with its window. Over a limit: 429 OperationOutcome with Retry-After
 * (seconds to the window's end). When the store fails or does not answer in time, counting
 * goes on in this process and the hits are pushed once it answers again, after 5 s (a push
 * that timed out but landed is then counted twice: strict, never lenient).
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const now = options.now ?? Date.now;
  const windowMs = options.windowSeconds * 1000;
  const rules = options.rules.filter((r) => r.limit > 0);
  const byAddress = rules.filter((r) => r.by === "address");
  const bySession = rules.filter((r) => r.by === "session");
  const sessionOf = options.sessionOf ?? sessionCredential;
  const { shared } = options;
  const timeoutMs = options.storeTimeoutMs ?? 2000;
  const syncMs = options.syncMs ?? 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const retryStoreMs = 5000;
  const counts = new Map<string, Count>();
  let warnedWindow = -1;
  // After a failure the store is left alone for a while, so an outage costs one timeout,
  // not one per request.
  let skipStoreUntil = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let sweptWindow = -1;

  const countOf = (bucket: string, subject: string, window: number, t: number): Count => {
    const key = `${bucket} ${window} ${subject}`;
    let count = counts.get(key);
    if (count) return count;
    // Ended windows are dropped once per window, and whenever the map is full.
    if (window !== sweptWindow || counts.size >= maxEntries) {
      sweptWindow = window;
      for (const [k, c] of counts) if (c.endsAt <= t) counts.delete(k);
      if (counts.size >= maxEntries) counts.clear();
    }
    count = {
      shared: 0,
      pending: 0,
      inFlight: 0,
      syncedAt: -Infinity,
      endsAt: (window + 1) * windowMs,
      reported: false,
      bucket,
      subject,
      window,
    };
    counts.set(key, count);
    return count;
  };

  const sync = (count: Count): Promise<void> => {
    if (count.syncing) return count.syncing;
    const by = count.pending;
    count.pending = 0;
    count.inFlight = by;
    const started = now();
    count.storeKey ??= subjectTag(count.subject).then((tag) =>
      `ratelimit:${count.bucket}:${tag}:${count.window}`
    );
    count.syncing = (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const key = await count.storeKey!;
        count.shared = await Promise.race([
          shared!.add(key, by, count.endsAt - started + 1000),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
          }),
        ]);
      } catch (err) {
        // Counted here until the store answers again.
        count.pending += by;
        skipStoreUntil = now() + retryStoreMs;
        if (warnedWindow !== count.window) {
          warnedWindow = count.window;
          options.log?.warn("rate-limit counters unavailable; counting in this instance", {
            error: err instanceof Error ? err.message : String(err),
          });
        }
      } finally {
        clearTimeout(timer);
        count.inFlight = 0;
        count.syncedAt = started;
        count.syncing = undefined;
      }
    })();
    return count.syncing;
  };

  /** Pushes what traffic left unpushed, so other instances see it within about `syncMs`. */
  const flushLater = () => {
    if (flushTimer !== undefined || !shared) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      const t = now();
      for (const count of counts.values()) {
        if (count.pending > 0 && count.endsAt > t && t >= skipStoreUntil) void sync(count);
      }
    }, syncMs);
  };

  const check = async (c: Context, group: RateLimitRule[], subject: string) => {
    const t = now();
    const window = Math.floor(t / windowMs);
    const endsAt = (window + 1) * windowMs;
    const mine = group.map((rule) => countOf(rule.bucket, subject, window, t));
    for (const count of mine) count.pending++;
    if (shared && t >= skipStoreUntil) {
      const stale = mine.filter((count) => t - count.syncedAt >= syncMs || count.syncing);
      if (stale.length > 0) await Promise.all(stale.map(sync));
    }
    if (mine.some((count) => count.pending > 0)) flushLater();
    const over = group.findIndex((rule, i) => {
      const count = mine[i]!;
      return count.shared + count.inFlight + count.pending > rule.limit;
    });
    if (over < 0) return;
    const rule = group[over]!;
    if (!mine[over]!.reported) {
      mine[over]!.reported = true;
      options.onLimited?.(c, rule);
    }
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
