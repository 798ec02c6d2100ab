import type { Context, Hono } from "hono";
import type { CallerResolver } from "../core/caller.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { oauthRoutes } from "../rest/oauth-routes.ts";
import { signinRoutes } from "../rest/signin-routes.ts";
import type { Vault } from "../store/types.ts";
import { identityGuard } from "./guard.ts";
import { createIdentity, type Identity } from "./identity.ts";
import { createBearerResolver, guardedCaller } from "./resolvers.ts";

/** What mountIdentity needs from createApp. */
export interface MountIdentityDeps {
  vault: Vault;
  config: Pick<
    Config,
    "identity" | "publicUrl" | "sessionIdleSeconds" | "mcpMaxRequestBytes"
  >;
  fetch: typeof fetch;
  log: Logger;
  now?: () => number;
  /** The platform id a reference names (id, alias, `id:tenant`), for API key scopes. */
  platformIdOf(ref: string): string | undefined;
}

/** What the app gets back: the module, its resolver, and an MCP session-owner lookup. */
export interface MountedIdentity {
  identity: Identity;
  /** Put first in the caller resolvers of REST and MCP. */
  resolver: CallerResolver;
  /** The person of a guarded request, else `fallback` (the session cookie's owner). */
  ownerOf(
    fallback?: (c: Context) => Promise<string | undefined>,
  ): (c: Context) => Promise<string | undefined>;
}

/**
 * Mounts identity on the app: the guard on `/mcp` and `/api/*` (call before the routes it
 * guards), the OAuth metadata and endpoints, and the sign-in pages.
 */
export function mountIdentity(app: Hono, deps: MountIdentityDeps): MountedIdentity {
  const { config } = deps;
  const identity = createIdentity({
    vault: deps.vault,
    settings: config.identity,
    publicUrl: config.publicUrl,
    fetch: deps.fetch,
    log: deps.log,
    now: deps.now,
    signInSeconds: config.sessionIdleSeconds,
  });
  const guard = identityGuard({
    identity,
    vault: deps.vault,
    mode: config.identity.mode,
    platformIdOf: deps.platformIdOf,
    maxMcpBodyBytes: config.mcpMaxRequestBytes,
    sessionIdleMs: config.sessionIdleSeconds * 1000,
  });
  app.use("/mcp", guard);
  app.use("/mcp/*", guard);
  app.use("/api/*", guard);
  const routeDeps = { identity, log: deps.log, publicUrl: config.publicUrl };
  app.route("/", oauthRoutes(routeDeps));
  app.route("/signin", signinRoutes(routeDeps));
  deps.log.info("gateway identity", {
    mode: config.identity.mode,
    sign_in: [
      ...(config.identity.oidc ? ["oidc"] : []),
      ...(config.identity.accounts.length ? ["accounts"] : []),
    ],
    oauth_clients: config.identity.clients.length,
  });
  const canSignIn = config.identity.oidc !== undefined || config.identity.accounts.length > 0;
  if (config.identity.mode === "protected" && !canSignIn) {
    // Nobody could get a gateway token: every REST and MCP call would answer 401.
    deps.log.warn(
      "protected mode without a way to sign in: only API keys work. Set FHIR_GATEWAY_ACCOUNTS " +
        "or FHIR_GATEWAY_OIDC_ISSUER (with its client id and secret), or FHIR_GATEWAY_AUTH_MODE=open",
      {},
    );
  }
  return {
    identity,
    resolver: createBearerResolver(identity),
    ownerOf: (fallback) => async (c) => guardedCaller(c.req.raw)?.owner ?? (await fallback?.(c)),
  };
}
