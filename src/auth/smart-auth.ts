import * as oauth from "oauth4webapi";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Catalog } from "../catalog/catalog.ts";
import { type Platform, requiresAuth } from "../catalog/platform.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";
import type { Logger } from "../log.ts";
import type { Vault } from "../store/types.ts";
import { type AuthContext, loginChannel, pendingKey, tokensKey } from "./_context.ts";
import { auditAuth } from "./_audit.ts";
import { createBearerCache } from "./_bearer-cache.ts";
import { describeOAuthError, requestOptions } from "./_oauth-client.ts";
import { ownerPlatforms, removeFromOwnerIndex } from "./_owner-index.ts";
import { partyFor } from "./_party.ts";
import { completeLogin } from "./complete-login.ts";
import { peekConfirmation, takeConfirmation } from "./login-confirmation.ts";
import { createDiscovery, type Discovery } from "./discovery.ts";
import { accessToken, loginNeeded } from "./refresh.ts";
import { startLogin } from "./start-login.ts";
import { type TokenRecord, toStatus } from "./token-record.ts";
import type { AuthStatus, SmartAuth } from "./types.ts";
import { waitForMessage } from "./wait-for-login.ts";

/** What createSmartAuth is built from. */
export interface SmartAuthOptions {
  catalog: Catalog;
  hooks: HookPipeline;
  vault: Vault;
  fetch: typeof fetch;
  log: Logger;
  /** Public base of the gateway; the redirect URI is `${publicUrl}/auth/callback`. */
  publicUrl: string;
  refreshSkewSeconds: number;
  sessionIdleSeconds: number;
  /**
   * How long this instance reuses a decrypted bearer without reading the store
   * (FHIR_GATEWAY_SESSION_CACHE_SECONDS); never past its refresh time. Default 0, off.
   */
  cacheSeconds?: number;
  now?: () => number;
  discovery?: Discovery;
  /** The environment snapshot (per-platform signing keys); default none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where logins, refreshes and revocations are recorded. */
  audit?: AuditLog;
}

/**
 * The SMART module: logins (standalone launch), status, long-poll, logout, and the bearer
 * tokens the core sends upstream. REST routes and MCP tools both call this one object.
 */
export function createSmartAuth(options: SmartAuthOptions): SmartAuth {
  const now = options.now ?? Date.now;
  const ctx: AuthContext = {
    catalog: options.catalog,
    hooks: options.hooks,
    vault: options.vault,
    fetch: options.fetch,
    log: options.log,
    now,
    discovery: options.discovery ??
      createDiscovery({ fetch: options.fetch, hooks: options.hooks, log: options.log, now }),
    publicUrl: options.publicUrl,
    redirectUri: `${options.publicUrl}/auth/callback`,
    publicOrigin: new URL(options.publicUrl).origin,
    refreshSkewMs: options.refreshSkewSeconds * 1000,
    keepMs: options.sessionIdleSeconds * 1000,
    env: options.env ?? {},
    clientKeys: new Map(),
    refreshing: new Map(),
    bearers: createBearerCache({
      cacheMs: (options.cacheSeconds ?? 0) * 1000,
      refreshSkewMs: options.refreshSkewSeconds * 1000,
      now,
    }),
    audit: options.audit,
  };
  const { vault } = ctx;

  const statusOf = async (owner: string, key: string): Promise<AuthStatus> => {
    const record = await vault.get<TokenRecord>(tokensKey(owner, key));
    const status = record ? toStatus(key, record, now()) : undefined;
    if (status?.state === "active") return status;
    if (await vault.store.get(pendingKey(owner, key))) {
      return { platform: key, authenticated: false, state: "pending" };
    }
    return status ?? { platform: key, authenticated: false, state: "none" };
  };

  return {
    startLogin: (owner, ref, opts) => startLogin(ctx, owner, ref, opts),
    completeLogin: (owner, params) => completeLogin(ctx, owner, params),

    async loginConfirmation(id) {
      const record = await peekConfirmation(vault, id);
      if (!record || Date.parse(record.expiresAt) <= now()) return undefined;
      const { authorizationUrl, ...view } = record;
      return { ...view, authorizationOrigin: new URL(authorizationUrl).origin };
    },

    async confirmLogin(id) {
      const record = await takeConfirmation(vault, id);
      if (!record || Date.parse(record.expiresAt) <= now()) return undefined;
      ctx.log.info("agent login confirmed in a browser", { platform: record.platform });
      return record.authorizationUrl;
    },

    async status(owner, ref) {
      if (ref !== undefined) return [await statusOf(owner, ctx.catalog.get(ref).key)];
      // One read of the owner's index, never a key scan; entries whose login is gone are skipped.
      const keys = await ownerPlatforms(vault, owner);
      const all = await Promise.all(keys.map((k) => statusOf(owner, k)));
      return all.filter((s) => s.state !== "none");
    },

    async waitForLogin(owner, ref, opts) {
      const key = ctx.catalog.get(ref).key;
      return await waitForMessage(
        (onMessage) => vault.store.subscribe(loginChannel(owner, key), onMessage),
        () => statusOf(owner, key),
        opts,
      );
    },

    async logout(owner, ref) {
      const platform = ctx.catalog.get(ref);
      const key = tokensKey(owner, platform.key);
      ctx.bearers.forget(owner, platform.key);
      const record = await vault.get<TokenRecord>(key).catch(() => undefined);
      if (record?.state === "active") await revoke(ctx, platform, record);
      await vault.delete(key);
      // Again once it is gone: a request that read the record meanwhile keeps nothing.
      ctx.bearers.forget(owner, platform.key);
      await vault.delete(pendingKey(owner, platform.key));
      await removeFromOwnerIndex(vault, owner, platform.key, now);
      ctx.log.info("logged out", { platform: platform.key });
      await auditAuth(ctx, owner, {
        action: "revocation",
        platform: platform.key,
        outcome: "success",
        reason: "logout",
      });
    },

    async authorization(platform, owner, opts) {
      // No login exists for a platform without OAuth: skip the vault read on that hot path.
      if (!requiresAuth(platform)) return undefined;
      if (!owner) throw loginNeeded("not_authenticated", platform.key);
      const force = opts?.forceRefresh === true;
      // The platform refused the bearer: this instance forgets it before anything else.
      if (force) ctx.bearers.forget(owner, platform.key);
      const known = force ? undefined : ctx.bearers.get(owner, platform.key);
      if (known) return known;
      const since = ctx.bearers.stamp();
      const record = await vault.get<TokenRecord>(tokensKey(owner, platform.key));
      if (!record) throw loginNeeded("not_authenticated", platform.key);
      const usable = await accessToken(ctx, owner, platform, record, force);
      ctx.bearers.remember(owner, platform.key, usable, since);
      return `Bearer ${usable.accessToken}`;
    },
  };
}

/** Revokes the refresh token (and the access token) where the platform can; never throws. */
async function revoke(ctx: AuthContext, platform: Platform, record: TokenRecord): Promise<void> {
  try {
    const meta = await ctx.discovery.get(platform);
    if (!meta.revocation_endpoint) return;
    const party = await partyFor(ctx, platform, meta, record.issuer);
    const tokens: Array<[string, string]> = [["access_token", record.accessToken]];
    if (record.refreshToken) tokens.unshift(["refresh_token", record.refreshToken]);
    for (const [hint, token] of tokens) {
      const response = await oauth.revocationRequest(
        party.as,
        party.client,
        party.clientAuth,
        token,
        requestOptions(ctx.fetch, meta.revocation_endpoint, {
          additionalParameters: new URLSearchParams({ token_type_hint: hint }),
        }),
      );
      await oauth.processRevocationResponse(response);
    }
  } catch (err) {
    ctx.log.warn("token revocation failed; forgetting the tokens anyway", {
      platform: platform.key,
      why: describeOAuthError(err),
    });
  }
}
