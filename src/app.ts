import { Hono } from "hono";
import type { AuditLog } from "./audit/audit-log.ts";
import { auditObserver } from "./audit/audit-observer.ts";
import { openAuditLog } from "./audit/open-audit-log.ts";
import { createSessionService } from "./auth/sessions.ts";
import { createSmartAuth } from "./auth/smart-auth.ts";
import type { SessionService, SmartAuth } from "./auth/types.ts";
import type { Catalog } from "./catalog/catalog.ts";
import type { CallerResolver } from "./core/caller.ts";
import type { Config } from "./config.ts";
import { createGateway, type Gateway } from "./core/gateway.ts";
import { createCoverageService } from "./coverage/coverage-service.ts";
import type { GatewayObserver } from "./core/observer.ts";
import type { UpstreamAuth } from "./core/upstream-auth.ts";
import { GatewayError } from "./errors.ts";
import type { Plugin } from "./hooks/define-plugin.ts";
import { createHookPipeline } from "./hooks/pipeline.ts";
import { createEdge } from "./http/edge.ts";
import type { Logger } from "./log.ts";
import { mountIdentity } from "./identity/mount.ts";
import { mcpRoutes } from "./mcp/routes.ts";
import { createAppMetrics } from "./metrics/mount.ts";
import { authRoutes } from "./rest/auth-routes.ts";
import { createErrorHandler } from "./rest/errors.ts";
import { docsRoutes } from "./rest/docs-routes.ts";
import { pageRoutes } from "./pages/routes.ts";
import { callerMiddleware } from "./rest/caller.ts";
import { coverageRoutes, jwksRoute } from "./rest/coverage-routes.ts";
import { fhirRoutes } from "./rest/fhir-routes.ts";
import { healthRoutes } from "./rest/health.ts";
import { platformRoutes } from "./rest/platform-routes.ts";
import { createSessionCookies } from "./rest/session-cookie.ts";
import type { Vault } from "./store/types.ts";
import { version } from "./version.ts";

/** Everything the app is built from; tests inject each part. */
export interface AppDeps {
  config: Config;
  catalog: Catalog;
  plugins: Plugin[];
  log: Logger;
  /** Upstream fetch; tests and plugins may wrap it. */
  fetch?: typeof fetch;
  /**
   * The encrypted vault. With it the app has gateway sessions, SMART logins (the /auth
   * routes) and sends each session's bearer token upstream.
   */
  vault?: Vault;
  /** Upstream credentials; defaults to the SMART module when a vault is given. */
  auth?: UpstreamAuth;
  /**
   * Ways to recognize a caller tried before the auth handle and the session cookie (gateway
   * tokens, API keys), in order.
   */
  resolvers?: CallerResolver[];
  /** Listeners the core tells about upstream exchanges and FHIR access (metrics, audit). */
  observers?: GatewayObserver[];
  /** Clock in epoch milliseconds for sessions and token expiry; tests inject one. */
  now?: () => number;
  /** Extra routes mounted by other modules (auth, MCP) before the FHIR routes. */
  mount?: (app: Hono, gateway: Gateway) => void;
  runtime?: string;
  storeName?: string;
  sleep?: (ms: number) => Promise<void>;
  /** Audit events (logins, FHIR access, refusals); default: stdout and FHIR_GATEWAY_AUDIT_FILE. */
  audit?: AuditLog;
}

/** What createApp builds: the app, its core, and (with a vault) sessions and SMART logins. */
export interface BuiltApp {
  app: Hono;
  gateway: Gateway;
  /** Gateway sessions (MCP ties its sessions to these through signed handles). */
  sessions?: SessionService;
  /** SMART logins: the AuthService both faces call. */
  smart?: SmartAuth;
  /** The audit log the app writes to. */
  audit: AuditLog;
  /** Ends long-lived streams (MCP sessions) so the server can stop; call before closing it. */
  close(): Promise<void>;
  /**
   * Ends the long-lived streams only, leaving the audit log open: a server that stops calls this,
   * closes its listener (requests in flight finish and are audited), then `audit.close()`.
   */
  closeStreams(): Promise<void>;
}

/** Builds the Hono app: one core, REST routes, health, and /auth when a vault is given. */
export function createApp(deps: AppDeps): BuiltApp {
  const hooks = createHookPipeline(deps.plugins, deps.log);
  const fetchFn = deps.fetch ?? globalThis.fetch.bind(globalThis);
  const { config } = deps;
  // Prometheus metrics (src/metrics/): requests, upstream latency, logins, refusals.
  const metrics = createAppMetrics(config.env);
  // Audit: logins, FHIR access (through the core's observer) and refusals at the edge.
  const rawAudit = deps.audit ?? openAuditLog(config, deps.log);
  const audit = metrics ? metrics.audit(rawAudit) : rawAudit;
  const sessions = deps.vault &&
    createSessionService({
      vault: deps.vault,
      idleSeconds: config.sessionIdleSeconds,
      cacheSeconds: config.sessionCacheSeconds,
      log: deps.log,
      now: deps.now,
    });
  const smart = deps.vault &&
    createSmartAuth({
      catalog: deps.catalog,
      hooks,
      vault: deps.vault,
      fetch: fetchFn,
      log: deps.log,
      publicUrl: config.publicUrl,
      refreshSkewSeconds: config.refreshSkewSeconds,
      sessionIdleSeconds: config.sessionIdleSeconds,
      cacheSeconds: config.sessionCacheSeconds,
      now: deps.now,
      env: config.env,
      audit,
    });
  const cookies = sessions && createSessionCookies({ sessions, publicUrl: config.publicUrl });
  const gateway = createGateway({
    catalog: deps.catalog,
    hooks,
    fetch: fetchFn,
    log: deps.log,
    publicUrl: config.publicUrl,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    auth: deps.auth ?? smart,
    logins: smart,
    sessions,
    pageLinkKey: deps.vault?.signingKeys("page-link").then((ring) => ring.map((k) => k.key)),
    observers: [
      ...(deps.observers ?? []),
      ...(metrics ? [metrics.observer] : []),
      auditObserver(audit),
    ],
    now: deps.now,
    sleep: deps.sleep,
  });
  // Prior authorization (CRD, DTR, PAS): the MCP tools find it through the gateway.
  const coverage = createCoverageService({
    gateway,
    catalog: deps.catalog,
    fetch: fetchFn,
    env: config.env,
    publicUrl: config.publicUrl,
    log: deps.log,
    now: deps.now,
  });
  const app = new Hono();
  const onError = createErrorHandler(deps.log);
  app.onError(onError);
  // One pass on every route: request id, timing, access log, metrics, security headers,
  // CORS, then rate limits and the body limit.
  const edge = createEdge({
    config,
    log: deps.log,
    audit,
    store: deps.vault?.store,
    platformOf: (ref) => deps.catalog.find(ref),
    onError,
    listeners: metrics ? [metrics.onAnswered] : [],
    now: deps.now,
  });
  for (const middleware of edge.middleware) app.use(middleware);
  // Gateway tokens and API keys (src/identity/): the guard runs before the routes it guards.
  const identity = deps.vault &&
    mountIdentity(app, {
      vault: deps.vault,
      config,
      fetch: fetchFn,
      log: deps.log,
      now: deps.now,
      platformIdOf: (ref) => deps.catalog.find(ref)?.id,
    });
  app.notFound((c) => {
    throw new GatewayError(
      "not_found",
      `No route for ${c.req.method} ${c.req.path.slice(0, 100)}.`,
      {
        hint: "FHIR calls go to /api/fhir/{platform}/...; see GET /api/platforms.",
      },
    );
  });
  if (metrics) app.route("/metrics", metrics.route);
  const healthInfo = () => ({
    version,
    runtime: deps.runtime ?? "unknown",
    platforms: deps.catalog.all().length,
    plugins: deps.plugins.length,
    store: deps.storeName ?? "none",
  });
  const storePing = deps.vault && (() => deps.vault!.store.ping());
  app.route("/health", healthRoutes(healthInfo, { store: storePing }));
  // Who is calling, resolved once per request for the REST face.
  const resolveCaller = callerMiddleware({
    sessions,
    cookies,
    resolvers: [...(identity ? [identity.resolver] : []), ...(deps.resolvers ?? [])],
  });
  app.use("/api/*", resolveCaller);
  app.use("/auth/*", resolveCaller);
  // Web pages (src/pages/): home, platform directory, platform pages, my connections.
  for (const path of ["/", "/platforms", "/platforms/*", "/connections", "/connections/*"]) {
    app.use(path, resolveCaller);
  }
  app.route(
    "/",
    pageRoutes({
      gateway,
      publicUrl: config.publicUrl,
      logins: Boolean(smart && cookies),
      log: deps.log,
      health: async () => {
        const store = await storePing?.();
        return {
          ...healthInfo(),
          status: store && !store.ok ? "unavailable" : "ok",
          ...(store ? { storeStatus: store.ok ? "up" : "down" } : {}),
        };
      },
    }),
  );
  // OpenAPI 3.1 at /openapi.json and its reference page at /docs (src/rest/docs-routes.ts).
  app.route("/", docsRoutes({ publicUrl: config.publicUrl }));
  app.route("/api/platforms", platformRoutes(gateway.platforms));
  if (smart && cookies) {
    app.route(
      "/auth",
      authRoutes({
        smart,
        login: gateway.login,
        cookies,
        log: deps.log,
        publicUrl: config.publicUrl,
      }),
    );
  }
  const mcp = mcpRoutes({
    gateway,
    config,
    log: deps.log,
    sessions,
    vault: deps.vault,
    clientAddress: (c) => edge.clientAddress(c).address,
    ownerOf: identity ? identity.ownerOf(cookies?.ownerOf) : cookies?.ownerOf,
    resolvers: [...(identity ? [identity.resolver] : []), ...(deps.resolvers ?? [])],
    audit,
    coverage,
  });
  app.route("/mcp", mcp.routes);
  deps.mount?.(app, gateway);
  app.route("/api/coverage", coverageRoutes(coverage));
  app.route("/.well-known/jwks.json", jwksRoute(coverage));
  app.route("/api/fhir", fhirRoutes(gateway));
  const closeStreams = () => mcp.registry.closeAll();
  const close = () => closeStreams().finally(() => audit.close());
  return { app, gateway, sessions, smart, audit, close, closeStreams };
}
