// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { type Context, Hono } from "hono";
import type { AuthService, SessionService } from "../auth/types.ts";
import type { Config } from "../config.ts";
import { createCapabilityCache } from "../core/capabilities.ts";
import type { Gateway } from "../core/gateway.ts";
import type { Logger } from "../log.ts";
import { readJsonBody, rpcError } from "./_body.ts";
import { gatewaySessionRef } from "./context.ts";
import { createOriginGuard } from "./origin-guard.ts";
import { createMcpServer } from "./server.ts";
import { createSessionRegistry, type SessionRegistry } from "./session-registry.ts";

/** What the MCP endpoint is built from. */
export interface McpDeps {
  gateway: Gateway;
  config: Pick<
    Config,
    | "publicUrl"
    | "mcpAllowedHosts"
    | "mcpAllowedOrigins"
    | "mcpMaxResponseBytes"
    | "mcpMaxRequestBytes"
    | "sessionIdleSeconds"
  >;
  log: Logger;
  auth?: AuthService;
  sessions?: SessionService;
  /** The owner of a REST login the request carries (its session cookie), if any. */
  ownerOf?: (c: Context) => Promise<string | undefined>;
  now?: () => number;
}

/**
 * `/mcp`: the MCP Streamable HTTP endpoint. Each MCP session (Mcp-Session-Id) has its own
 * server and is tied to a gateway session, so logins made here serve REST and back.
 * Requests from a foreign Host or Origin are refused (DNS rebinding), bodies are bounded,
 * and idle sessions are closed.
 */
export function mcpRoutes(deps: McpDeps): { routes: Hono; registry: SessionRegistry } {
  const { config, log } = deps;
  const guard = createOriginGuard({
    publicUrl: config.publicUrl,
    allowedHosts: config.mcpAllowedHosts,
    allowedOrigins: config.mcpAllowedOrigins,
  });
  const registry = createSessionRegistry({
    idleMs: config.sessionIdleSeconds * 1000,
    now: deps.now,
    log,
  });
  const capabilities = createCapabilityCache(deps.gateway, { now: deps.now });

  const open = async (c: Context): Promise<WebStandardStreamableHTTPServerTransport> => {
    const initialOwner = await deps.ownerOf?.(c);
    const server = createMcpServer({
      gateway: deps.gateway,
      capabilities,
      auth: deps.auth,
      sessions: deps.sessions,
      log,
      maxResponseBytes: config.mcpMaxResponseBytes,
      session: gatewaySessionRef(deps.sessions, initialOwner),
    });
    const transport: WebStandardStreamableHTTPServerTransport =
      new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => {
          registry.add({ id, transport, server, lastSeen: (deps.now ?? Date.now)() });
          log.debug("mcp session opened", { sessions: registry.size });
        },
        onsessionclosed: (id) => registry.remove(id),
        maxRequestBodySize: config.mcpMaxRequestBytes,
      });
    await server.connect(transport);
    return transport;
  };

  const handle = async (c: Context): Promise<Response> => {
    const request = c.req.raw;
    const refused = guard(request);
    if (refused) {
      log.warn("mcp request refused", { reason: refused });
      return rpcError(403, -32000, `${refused} See FHIR_GATEWAY_MCP_ALLOWED_HOSTS / _ORIGINS.`);
    }
    await registry.sweep();
    const id = request.headers.get("mcp-session-id");
    let body: unknown;
    if (request.method === "POST") {
      const read = await readJsonBody(request, config.mcpMaxRequestBytes);
      if ("error" in read) return read.error;
      body = read.value;
    }
    if (id) {
      const session = registry.get(id);
      if (!session) {
        return rpcError(
          404,
          -32001,
          "Session not found: it ended or was closed when idle; initialize a new one.",
        );
      }
      return await session.transport.handleRequest(request, { parsedBody: body });
    }
    if (request.method === "POST" && isInitializeRequest(body)) {
      const transport = await open(c);
      return await transport.handleRequest(request, { parsedBody: body });
    }
    return rpcError(
      400,
      -32000,
      "Bad request: send initialize first, then Mcp-Session-Id with every request.",
    );
  };

  const routes = new Hono();
  routes.all("/", handle);
  return { routes, registry };
}
