import * as oauth from "oauth4webapi";
import type { Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import { type AuthContext, tokensKey } from "./_context.ts";
import { describeOAuthError, requestOptions } from "./_oauth-client.ts";
import { partyFor } from "./_party.ts";
import { withTokenHooks } from "./_token-hook.ts";
import { isFresh, type TokenRecord, toTokenRecord } from "./token-record.ts";

/** How long one refresh may hold the lock before another instance may try. */
const refreshLockMs = 30_000;

/** The error that tells a caller to log in (again), naming both faces' ways to do it. */
export function loginNeeded(
  code: "not_authenticated" | "session_expired",
  platform: string,
  reason?: string,
): GatewayError {
  const message = code === "not_authenticated"
    ? `The platform "${platform}" needs a login first.`
    : `The login to "${platform}" has expired${reason ? `: ${reason}` : "."}`;
  return new GatewayError(code, message, {
    hint:
      `Log in at GET /auth/${platform}/login in a browser (or call the start_auth tool), then retry.`,
  });
}

/**
 * A usable access token for `owner` on `platform`, refreshed first when it expires within
 * the skew (or when `force`d after the platform refused it). One refresh per owner x platform
 * at a time across every instance (a store lock); whoever waited reuses the fresh token.
 * A refused refresh marks the login "expired" and throws "session_expired".
 */
export async function accessToken(
  ctx: AuthContext,
  owner: string,
  platform: Platform,
  record: TokenRecord,
  force = false,
): Promise<string> {
  if (record.state === "expired") throw loginNeeded("session_expired", platform.key, record.reason);
  if (!force && isFresh(record, ctx.now(), ctx.refreshSkewMs)) return record.accessToken;
  const key = tokensKey(owner, platform.key);
  return await ctx.vault.store.withLock(
    `refresh:${owner}:${platform.key}`,
    refreshLockMs,
    async () => {
      const current = await ctx.vault.get<TokenRecord>(key);
      if (!current) throw loginNeeded("not_authenticated", platform.key);
      if (current.state === "expired") {
        throw loginNeeded("session_expired", platform.key, current.reason);
      }
      const renewed = current.accessToken !== record.accessToken;
      if ((renewed || !force) && isFresh(current, ctx.now(), ctx.refreshSkewMs)) {
        return current.accessToken;
      }
      if (!current.refreshToken) {
        return await expire(ctx, key, current, platform, "the platform issued no refresh token.");
      }
      return await refresh(ctx, key, current, platform);
    },
  );
}

async function refresh(
  ctx: AuthContext,
  key: string,
  current: TokenRecord,
  platform: Platform,
): Promise<string> {
  const meta = await ctx.discovery.get(platform);
  const party = await partyFor(ctx, platform, meta, current.issuer);
  let tokens: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.refreshTokenGrantRequest(
      party.as,
      party.client,
      party.clientAuth,
      current.refreshToken!,
      requestOptions(ctx.fetch, meta.token_endpoint),
    );
    tokens = await oauth.processRefreshTokenResponse(
      party.as,
      party.client,
      await withTokenHooks(response, ctx.hooks, { platform, log: ctx.log, discovery: meta }),
    );
  } catch (err) {
    const why = describeOAuthError(err);
    if (err instanceof oauth.ResponseBodyError || err instanceof oauth.OperationProcessingError) {
      return await expire(ctx, key, current, platform, `the refresh was refused (${why}).`);
    }
    ctx.log.warn("token refresh failed", { platform: platform.key, why });
    throw new GatewayError(
      "upstream_unreachable",
      `The token refresh for "${platform.key}" failed: ${why}.`,
      { hint: "Retry shortly; the login is kept." },
    );
  }
  const now = ctx.now();
  const next = toTokenRecord(tokens, {
    now,
    issuer: current.issuer,
    requestedScopes: current.scopes,
    previous: current,
  });
  const ttlMs = Math.max((next.expiresAt ?? now) - now, 0) + ctx.keepMs;
  await ctx.vault.put(key, next, { ttlMs });
  ctx.log.info("token refreshed", {
    platform: platform.key,
    rotated: next.refreshToken !== current.refreshToken,
  });
  return next.accessToken;
}

async function expire(
  ctx: AuthContext,
  key: string,
  current: TokenRecord,
  platform: Platform,
  reason: string,
): Promise<never> {
  // Tokens that no longer work are not kept; the record stays to say why.
  const expired: TokenRecord = {
    ...current,
    accessToken: "",
    refreshToken: undefined,
    state: "expired",
    reason,
  };
  await ctx.vault.put(key, expired, { ttlMs: ctx.keepMs });
  ctx.log.info("login expired", { platform: platform.key, reason });
  throw loginNeeded("session_expired", platform.key, reason);
}
