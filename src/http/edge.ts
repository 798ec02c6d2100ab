import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { KeyValueStore } from "../store/types.ts";
import { storeCounts } from "./_shared-counts.ts";
import { createAccessLog } from "./access-log.ts";
import { bodyLimit } from "./body-limit.ts";
import { type ClientAddress, createClientAddress } from "./client-address.ts";
import { createCors } from "./cors.ts";
import { type AnsweredRequest, edgePass, type EdgePlatform } from "./edge-pass.ts";
import { rateLimit, type RateLimitRule } from "./rate-limit.ts";
import { createRequestId } from "./request-id.ts";
import { routePattern } from "./route-pattern.ts";
import { createSecurityHeaders } from "./security-headers.ts";

/** What the HTTP edge is built from. */
export interface EdgeOptions {
  config: Pick<
    Config,
    "publicUrl" | "maxBodyBytes" | "corsOrigins" | "trustedProxies" | "rateLimits"
  >;
  log: Logger;
  audit: AuditLog;
  /** The store rate-limit counts are shared through; limits hold per process without it. */
  store?: Pick<KeyValueStore, "getVersioned" | "setIf">;
  /** The catalog's platform for a `:platform` path value, undefined when it names none. */
  platformOf: (ref: string) => EdgePlatform | undefined;
  /** The app's error handler (the edge answers its own refusals with it). */
  onError: ErrorHandler;
  /** Told about every answered request after the access log (metrics). */
  listeners?: ReadonlyArray<(c: Context, answered: AnsweredRequest) => void>;
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
 * The HTTP edge: one pass (src/http/edge-pass.ts) that gives the request its id, times it,
 * answers CORS preflights, sets the security headers and writes the access log line and
 * metrics, around the rate limits and the body limit. Security refusals (rate limit,
 * preflight from a foreign origin, body too large) are audited here.
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
  const accessLog = createAccessLog(options.log);
  const inner = [
    rateLimit({
      shared: options.store && storeCounts(options.store),
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
  const pass = edgePass({
    requestId: createRequestId({ clientAddress }),
    cors: createCors({
      origins: config.corsOrigins,
      onRefused: (c) => refused(c, { reason: "bad_origin" }),
    }),
    securityHeaders: createSecurityHeaders({ hsts: config.publicUrl.startsWith("https:") }),
    onError: options.onError,
    platformOf: options.platformOf,
    listeners: [...(accessLog ? [accessLog] : []), ...(options.listeners ?? [])],
    inner,
  });
  return { middleware: [pass], clientAddress };
}
