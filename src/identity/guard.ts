import type { Context, MiddlewareHandler } from "hono";
import type { Caller } from "../core/caller.ts";
import { GatewayError } from "../errors.ts";
import { readJsonBody, rpcError } from "../mcp/_body.ts";
import { outcomeResponse } from "../rest/errors.ts";
import type { Vault } from "../store/types.ts";
import { sha256Url } from "./_crypto.ts";
import type { Identity } from "./identity.ts";
import { resourceMetadataUrl } from "./metadata.ts";
import { OAuthError } from "./oauth-error.ts";
import { bearerOf, isGatewayCredential, rememberCaller } from "./resolvers.ts";
import { readScope, writeScope } from "./scopes.ts";
import type { AuthMode } from "./settings.ts";

/** MCP tools that change data: a read-only caller needs step-up (`fhir.write`) for them. */
const writingTools: ReadonlySet<string> = new Set([
  "create",
  "update",
  "patch",
  "delete",
  "execute_operation",
]);

/** Options of identityGuard. */
export interface GuardOptions {
  identity: Identity;
  vault: Vault;
  mode: AuthMode;
  /** The platform id a reference (id, alias, `id:tenant`) names; undefined when unknown. */
  platformIdOf(ref: string): string | undefined;
  maxMcpBodyBytes: number;
  /** How long an MCP session stays bound to the person who opened it. */
  sessionIdleMs: number;
}

/**
 * Guards `/mcp` and `/api/*`. In `protected` mode a request without a gateway token or API
 * key gets 401 with `WWW-Authenticate: Bearer resource_metadata=..., scope=...` (RFC 9728); in
 * both modes a bearer that is present is checked (401 invalid_token when bad), a token in the
 * query string is refused, a read-only caller gets 403 insufficient_scope for a write, an API
 * key is held to its platforms, and an MCP session answers only the person who opened it.
 */
export function identityGuard(options: GuardOptions): MiddlewareHandler {
  const { identity, vault } = options;
  const scopes = `${readScope} ${writeScope}`;
  const bindingKey = async (id: string) => `identity:mcp:${await sha256Url(id)}`;

  return async function guard(c, next) {
    const request = c.req.raw;
    const url = new URL(request.url);
    const isMcp = url.pathname === "/mcp" || url.pathname.startsWith("/mcp/");
    const metadataUrl = resourceMetadataUrl(isMcp ? identity.urls.mcp : identity.urls.gateway);
    const challenge = (extra = "") =>
      `Bearer resource_metadata="${metadataUrl}", scope="${scopes}"${extra}`;
    const refuse = (status: number, error: OAuthError | undefined, message: string) => {
      const header = error
        ? challenge(`, error="${error.code}", error_description="${error.message}"`)
        : challenge();
      return answer(isMcp, status, message, { "www-authenticate": header });
    };

    if (url.searchParams.has("access_token")) {
      return answer(isMcp, 400, "Send the token in the Authorization header, never in the URL.");
    }
    let authorization = request.headers.get("authorization");
    let bearer = bearerOf(request);
    if (options.mode === "open" && !(bearer && isGatewayCredential(bearer))) {
      // An open gateway has no use for other credentials; they are neither checked nor sent on.
      authorization = null;
      bearer = undefined;
    }
    let caller: Caller | undefined;
    if (bearer !== undefined) {
      const result = await identity.authenticate(bearer, url.pathname);
      if (!result.ok) {
        if (result.retryAfterSeconds !== undefined) {
          return answer(isMcp, 429, result.error.message, {
            "retry-after": String(result.retryAfterSeconds),
          });
        }
        return refuse(401, result.error, result.error.message);
      }
      caller = result.caller;
      rememberCaller(request, caller);
    } else if (options.mode === "protected" || authorization !== null) {
      const error = authorization === null
        ? undefined
        : new OAuthError("invalid_token", "Only Bearer credentials are accepted.");
      return refuse(401, error, "Sign in: this gateway needs a gateway token or an API key.");
    }

    const denied = caller && (await checkScope(c, caller, isMcp, options));
    if (denied === "write") {
      return answer(isMcp, 403, "This token may only read; authorize again with fhir.write.", {
        "www-authenticate": challenge(
          `, error="insufficient_scope", error_description="Writing needs ${writeScope}"`,
        ),
      });
    }
    if (denied === "platform") {
      return answer(isMcp, 403, "This API key may not use that platform.");
    }

    const sessionId = isMcp ? request.headers.get("mcp-session-id") : null;
    if (sessionId) {
      const bound = await vault.get<{ owner: string }>(await bindingKey(sessionId));
      // Someone else's session looks exactly like one that does not exist.
      if (bound && bound.owner !== caller?.owner) {
        return rpcError(404, -32001, "Session not found: initialize a new one.");
      }
    }
    await next();
    const opened = isMcp && !sessionId ? c.res.headers.get("mcp-session-id") : null;
    if (opened && caller?.owner) {
      await vault.put(await bindingKey(opened), { owner: caller.owner }, {
        ttlMs: options.sessionIdleMs,
      });
    }
  };
}

/** "write" or "platform" when the caller's scope does not cover the request. */
async function checkScope(
  c: Context,
  caller: Caller,
  isMcp: boolean,
  options: GuardOptions,
): Promise<"write" | "platform" | undefined> {
  const scope = caller.scope;
  if (!scope?.readOnly && !scope?.platforms) return undefined;
  const allowed = (ref: unknown) => {
    if (!scope.platforms || typeof ref !== "string") return true;
    const id = options.platformIdOf(ref.split("/")[0]!);
    return id === undefined || scope.platforms.includes(id);
  };
  if (!isMcp) {
    const [, api, kind, platform, ...rest] = new URL(c.req.url).pathname.split("/");
    if (api !== "api" || kind !== "fhir" || !platform) return undefined;
    if (!allowed(decodeURIComponent(platform))) return "platform";
    const method = c.req.method;
    const searching = method === "POST" && rest[rest.length - 1] === "_search";
    if (scope.readOnly && method !== "GET" && method !== "HEAD" && !searching) return "write";
    return undefined;
  }
  if (c.req.method !== "POST") return undefined;
  const read = await readJsonBody(c.req.raw.clone(), options.maxMcpBodyBytes);
  if ("error" in read) return undefined; // the MCP endpoint refuses it itself
  const messages = Array.isArray(read.value) ? read.value : [read.value];
  for (const m of messages) {
    const msg = m as { method?: unknown; params?: { name?: unknown; arguments?: unknown } };
    if (msg?.method !== "tools/call") continue;
    const args = (msg.params?.arguments ?? {}) as Record<string, unknown>;
    if (scope.readOnly && writingTools.has(String(msg.params?.name))) return "write";
    if (!allowed(args.platform_id) || (msg.params?.name === "fetch" && !allowed(args.id))) {
      return "platform";
    }
  }
  return undefined;
}

function answer(
  isMcp: boolean,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  if (isMcp) return rpcError(status, -32000, message, { "cache-control": "no-store", ...headers });
  const code = status === 401
    ? "not_authenticated"
    : status === 403
    ? "forbidden"
    : status === 429
    ? "rate_limited"
    : "bad_request";
  const response = outcomeResponse(new GatewayError(code, message));
  for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
  return response;
}
