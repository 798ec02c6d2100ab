import type { Context, MiddlewareHandler } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { createLocalCounters } from "./_local-counters.ts";
import { accessLog } from "./access-log.ts";
import { bodyLimit } from "./body-limit.ts";
import { type ClientAddress, createClientAddress } from "./client-address.ts";
import { cors } from "./cors.ts";
import { type Counters, rateLimit, type RateLimitRule } from "./rate-limit.ts";
import { requestId } from "./request-id.ts";
import { routePattern } from "./route-pattern.ts";
import { securityHeaders } from "./security-headers.ts";

/** What the HTTP edge is built from. */
export interface EdgeOptions {
  config: Pick<
    Config,
    "publicUrl" | "maxBodyBytes" | "corsOrigins" | "trustedProxies" | "rateLimits"
  >;
  log: Logger;
  audit: AuditLog;
  /** Shared counters (the store's `increment`); per-process counters when absent. */
  counters?: Counters;
  /** The catalog's id for a `:platform` path value, undefined when it names none. */
  platformOf: (ref: string) => string | undefined;
  /** Clock in epoch milliseconds for rate-limit windows (tests inject one). */
  now?: () => number;
}

/** The middleware of every route, outermost first, and the client-address reader they share. */
export interface Edge {
  middleware: MiddlewareHandler[];
  clientAddress: ClientAddress;
}

const isHealth = (c: Context) => c.req.path === "/health" || c.req.path.startsWith("/health/");
// The MCP endpoint bounds its JSON-RPC bodies itself (smaller, answered as JSON-RPC errors).
const isMcp = (c: Context) => c.req.path === "/mcp" || c.req.path.startsWith("/mcp/");
const isLoginStart = (c: Context) =>
  c.req.method === "GET" && /^\/auth\/[^/]+\/login$/.test(c.req.path);
const isCallback = (c: Context) => c.req.method === "GET" && c.req.path === "/auth/callback";
const isConfirmPost = (c: Context) =>
  c.req.method === "POST" && /^\/auth\/confirm\/[^/]+$/.test(c.req.path);

/**
 * The HTTP edge, in order: request id, access log, security headers, CORS, rate limits,
 * body limit. Security refusals (rate limit, preflight from a foreign origin, body too
 * large) are audited here.
 */
export function createEdge(options: EdgeOptions): Edge {
  const { config, audit } = options;
  const clientAddress = createClientAddress({ trustedProxies: config.trustedProxies });
  const refused = (
    c: Context,
    event: { reason: "rate_limited" | "bad_origin" | "body_too_large"; bucket?: string },
  ) =>
    audit.record({
      action: "refusal",
      ...event,
      route: routePattern(c),
      client: clientAddress(c).address,
      requestId: c.get("requestId"),
    });
  const limits = config.rateLimits;
  const rules: RateLimitRule[] = [
    { bucket: "address", by: "address", limit: limits.address },
    { bucket: "login", by: "address", limit: limits.login, applies: isLoginStart },
    { bucket: "callback", by: "address", limit: limits.callback, applies: isCallback },
    { bucket: "confirm", by: "address", limit: limits.confirm, applies: isConfirmPost },
    { bucket: "session", by: "session", limit: limits.session },
  ];
  const middleware = [
    requestId({ clientAddress }),
    accessLog({ log: options.log, platformOf: options.platformOf }),
    securityHeaders({ hsts: config.publicUrl.startsWith("https:") }),
    cors({
      origins: config.corsOrigins,
      onRefused: (c) => refused(c, { reason: "bad_origin" }),
    }),
    rateLimit({
      counters: options.counters ?? createLocalCounters({ now: options.now }),
      rules,
      windowSeconds: limits.windowSeconds,
      clientAddress,
      skip: isHealth,
      onLimited: (c, rule) => refused(c, { reason: "rate_limited", bucket: rule.bucket }),
      now: options.now,
      log: options.log,
    }),
    bodyLimit({
      maxBytes: config.maxBodyBytes,
      skip: isMcp,
      onRefused: (c) => refused(c, { reason: "body_too_large" }),
    }),
  ];
  return { middleware, clientAddress };
}
