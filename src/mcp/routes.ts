import { type Context, Hono } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import type { SessionService } from "../auth/types.ts";
import type { Config } from "../config.ts";
import { type CallerResolver, resolveCaller } from "../core/caller.ts";
import type { Gateway } from "../core/gateway.ts";
import type { CoverageService } from "../coverage/coverage-service.ts";
import { GatewayError } from "../errors.ts";
import { createClientAddress } from "../http/client-address.ts";
import type { Logger } from "../log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../store/master-keys.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import type { Vault } from "../store/types.ts";
import { createVault } from "../store/vault.ts";
import { invalidToolCall, readJsonBody, rpcError } from "./_body.ts";
import { createSessionLimits, type Refusal } from "./_session-limits.ts";
import { createSessionLiveness } from "./_session-liveness.ts";
import { createServerPool } from "./_session-pool.ts";
import { createSessionTokens, type SessionClaims } from "./_session-token.ts";
import { createOriginGuard } from "./origin-guard.ts";
import { createSessionRegistry, type SessionRegistry } from "./session-registry.ts";

/** The parts of /mcp that need the MCP SDK (src/mcp/_sdk.ts). */
export type McpSdk = typeof import("./_sdk.ts");

/** What the MCP endpoint is built from. */
export interface McpDeps {
  gateway: Gateway;
  /** Prior authorization (CRD, DTR, PAS), for the coverage tools; absent without it. */
  coverage?: CoverageService;
  config: Pick<
    Config,
    | "publicUrl"
    | "mcpAllowedHosts"
    | "mcpAllowedOrigins"
    | "mcpMaxResponseBytes"
    | "mcpToolset"
    | "mcpMaxRequestBytes"
    | "mcpSessionIdleSeconds"
    | "mcpMaxSessions"
    | "mcpMaxSessionsPerClient"
    | "mcpMaxConcurrent"
    | "mcpMaxConcurrentPerClient"
  >;
  log: Logger;
  sessions?: SessionService;
  /**
   * The vault every instance shares: it signs session ids and holds their idle and ended
   * state. Without it, a private in-memory one (sessions end with the process).
   */
  vault?: Vault;
  /**
   * The owner the request itself names (its session cookie, a bearer identity), if any: an
   * initialize ties the new session to it, and a later request naming another owner is refused.
   */
  ownerOf?: (c: Context) => Promise<string | undefined>;
  /** The client address limits are counted by; default: the socket's peer (no proxy trusted). */
  clientAddress?: (c: Context) => string;
  /**
   * Who the request names besides its session (gateway tokens, API keys), tried per request
   * in order; the first match is the tools' caller. A present but bad credential is refused.
   */
  resolvers?: readonly CallerResolver[];
  /** Refusals (foreign origin, limits) are recorded here. */
  audit?: AuditLog;
  /**
   * Clock of MCP sessions (their ids, idle time and limits), in epoch milliseconds. Not the
   * app's clock: tests move that by hours to expire platform tokens, within one MCP session.
   */
  clock?: () => number;
  /** How the SDK's parts are imported (on the first /mcp request); tests name a broken one. */
  importSdk?: () => Promise<McpSdk>;
}

const cancelChannel = "mcp-cancel";
const sessionGone = "Session not found: it ended or was closed when idle; initialize a new one.";

/**
 * `/mcp`: the MCP Streamable HTTP endpoint, with no session state in memory. A session id is
 * a signed token naming the session and its gateway owner; its idle and terminated state is in
 * the store, and each request is answered by a server built for it. So N instances on one
 * store serve any request of any session, and a flood of `initialize` costs nothing but the
 * bounded slots of the limits. Foreign Host/Origin is refused (DNS rebinding), bodies are
 * bounded, idle sessions answer 404, as do terminated ones on every instance.
 */
export function mcpRoutes(deps: McpDeps): { routes: Hono; registry: SessionRegistry } {
  const { config, log } = deps;
  const now = deps.clock ?? Date.now;
  const guard = createOriginGuard({
    publicUrl: config.publicUrl,
    allowedHosts: config.mcpAllowedHosts,
    allowedOrigins: config.mcpAllowedOrigins,
  });
  const vault = deps.vault ??
    createVault(createMemoryStore({ now }), parseMasterKeys(generateMasterKeyLine()));
  const idleMs = config.mcpSessionIdleSeconds * 1000;
  const tokens = createSessionTokens(() => vault.signingKeys("mcp-session"), now);
  const liveness = createSessionLiveness({ vault, idleMs, now });
  const limits = createSessionLimits({
    maxSessions: config.mcpMaxSessions,
    maxSessionsPerClient: config.mcpMaxSessionsPerClient,
    maxConcurrent: config.mcpMaxConcurrent,
    maxConcurrentPerClient: config.mcpMaxConcurrentPerClient,
    idleMs,
    now,
  });
  const registry = createSessionRegistry();
  // The SDK and the tools' schemas (about 4.5 MB of heap) load with the first /mcp request.
  let sdk: McpSdk | undefined;
  let loading: Promise<McpSdk> | undefined;
  const importSdk = deps.importSdk ?? (() => import("./_sdk.ts"));
  const loadSdk = () =>
    loading ??= importSdk().then((m) => (sdk = m), (err: unknown) => {
      loading = undefined;
      log.error("mcp: the MCP SDK could not be loaded", {
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    });
  const pool = createServerPool({
    maxIdle: Math.min(config.mcpMaxConcurrent, 16),
    // Servers are built only by requests that have loaded the SDK (handle awaits it).
    build: (ctx) => sdk!.createMcpServer(ctx),
    base: {
      gateway: deps.gateway,
      coverage: deps.coverage,
      sessions: deps.sessions,
      log,
      maxResponseBytes: config.mcpMaxResponseBytes,
      toolset: config.mcpToolset,
    },
  });
  const peer = createClientAddress();
  const addressOf = deps.clientAddress ?? ((c: Context) => peer(c).address);

  // A notifications/cancelled may reach another instance than the request it cancels.
  let listening: Promise<unknown> | undefined;
  const listen = () =>
    listening ??= vault.store.subscribe(cancelChannel, (message) => {
      const m = parseCancel(message);
      if (m) void registry.cancel(m.sid, m.requestId);
    }).catch((err) => log.warn("mcp cancel channel unavailable", { error: String(err) }));

  const refuse = (r: Refusal, address: string, bucket: string) => {
    log.warn("mcp request refused by a limit", { status: r.status, client: address });
    deps.audit?.record({
      action: "refusal",
      reason: "rate_limited",
      bucket,
      route: "/mcp",
      client: address,
    });
    return rpcError(r.status, -32000, r.message, { "retry-after": String(r.retryAfterSeconds) });
  };

  const serve = async (
    { claimsSessionRef, serveOne }: McpSdk,
    c: Context,
    body: unknown,
    claims: SessionClaims,
    address: string,
  ) => {
    let caller;
    try {
      caller = deps.resolvers?.length ? await resolveCaller(c.req.raw, deps.resolvers) : undefined;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return rpcError(err.status === 401 ? 401 : 403, -32000, err.message);
    }
    const slot = limits.acquire(address);
    if ("status" in slot) return refuse(slot, address, "mcp-requests");
    const session = claimsSessionRef(claims, deps.sessions !== undefined);
    const lease = pool.take(
      caller && caller.kind !== "anonymous" ? { session, caller } : { session },
    );
    return await serveOne({
      request: c.req.raw,
      body,
      claims,
      lease,
      registry,
      maxRequestBytes: config.mcpMaxRequestBytes,
      done: (completed) => {
        pool.give(lease, completed);
        slot.release();
      },
    });
  };

  const handle = async (c: Context): Promise<Response> => {
    const request = c.req.raw;
    const refused = guard(request);
    if (refused) {
      log.warn("mcp request refused", { reason: refused });
      deps.audit?.record({
        action: "refusal",
        reason: "bad_origin",
        route: "/mcp",
        client: addressOf(c),
      });
      return rpcError(403, -32000, `${refused} See FHIR_GATEWAY_MCP_ALLOWED_HOSTS / _ORIGINS.`);
    }
    let loaded: McpSdk;
    try {
      loaded = sdk ?? await loadSdk();
    } catch {
      return rpcError(
        503,
        -32000,
        "The MCP endpoint is unavailable: the gateway's MCP SDK could not be loaded; " +
          "report it to the gateway operator.",
      );
    }
    const { isInitializeRequest } = loaded;
    void listen();
    const id = request.headers.get("mcp-session-id");
    let body: unknown;
    if (request.method === "POST") {
      const read = await readJsonBody(request, config.mcpMaxRequestBytes);
      if ("error" in read) return read.error;
      body = read.value;
    }
    const address = addressOf(c);
    if (id) {
      const claims = await tokens.verify(id);
      if (!claims || (await liveness.check(claims)) !== "live") {
        return rpcError(404, -32001, sessionGone);
      }
      // A session is its owner's: a request that names another caller (cookie, bearer) is
      // not served with this session's logins.
      const caller = await deps.ownerOf?.(c);
      if (caller !== undefined && caller !== claims.owner) {
        log.warn("mcp session used by another caller", { client: address });
        return rpcError(404, -32001, sessionGone);
      }
      limits.used(claims.sid);
      if (request.method === "DELETE") {
        await liveness.end(claims);
        limits.ended(claims.sid);
        log.debug("mcp session terminated", { sessions: limits.sessions });
        return new Response(null, { status: 200 });
      }
      if (request.method === "GET") {
        // No server-initiated messages outside a request: the spec's answer is 405.
        return rpcError(405, -32000, "This server offers no stream at GET; use POST.", {
          allow: "POST, DELETE",
        });
      }
      if (isInitializeRequest(body)) {
        return rpcError(400, -32600, "Already initialized: drop Mcp-Session-Id to open a session.");
      }
      const invalid = invalidToolCall(body);
      if (invalid) return invalid;
      const cancel = cancelOf(body);
      if (cancel && !(await registry.cancel(claims.sid, cancel))) {
        await vault.store.publish(cancelChannel, JSON.stringify({ s: claims.sid, r: cancel }))
          .catch(() => {});
      }
      return await serve(loaded, c, body, claims, address);
    }
    if (request.method === "POST" && isInitializeRequest(body)) {
      const full = limits.admitSession(address);
      if (full) return refuse(full, address, "mcp-sessions");
      const { token, claims } = await tokens.issue(await deps.ownerOf?.(c));
      const response = await serve(loaded, c, body, claims, address);
      if (response.ok) {
        limits.opened(claims.sid, address);
        response.headers.set("mcp-session-id", token);
        log.debug("mcp session opened", { sessions: limits.sessions });
      }
      return response;
    }
    return rpcError(
      400,
      -32000,
      "Bad request: send initialize first, then Mcp-Session-Id with every request.",
    );
  };

  const routes = new Hono();
  routes.all("/", handle);
  return {
    routes,
    registry: {
      ...registry,
      get size() {
        return registry.size;
      },
      async closeAll() {
        await registry.closeAll();
        const stop = await listening;
        if (typeof stop === "function") await stop().catch(() => {});
        listening = undefined;
      },
    },
  };
}

/** The request id a `notifications/cancelled` names, if the body is one. */
function cancelOf(body: unknown): string | number | undefined {
  const m = body as { method?: unknown; params?: { requestId?: unknown } } | null;
  const id = m?.method === "notifications/cancelled" ? m.params?.requestId : undefined;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

function parseCancel(message: string): { sid: string; requestId: string | number } | undefined {
  try {
    const m = JSON.parse(message) as { s?: unknown; r?: unknown };
    if (typeof m.s !== "string" || (typeof m.r !== "string" && typeof m.r !== "number")) {
      return undefined;
    }
    return { sid: m.s, requestId: m.r };
  } catch {
    return undefined;
  }
}
