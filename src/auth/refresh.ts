import * as oauth from "oauth4webapi";
import type { Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import { sleep } from "../store/_lock-wait.ts";
import { type AuthContext, tokensKey } from "./_context.ts";
import { auditAuth, reasonCode } from "./_audit.ts";
import { addToOwnerIndex } from "./_owner-index.ts";
import { describeOAuthError, requestOptions } from "./_oauth-client.ts";
import { partyFor } from "./_party.ts";
import { processRefreshResponse } from "./_refresh-response.ts";
import { isFresh, isLapsed, type TokenRecord, toTokenRecord } from "./token-record.ts";

/** The store lock's ttl; it is renewed while the refresh runs, so this only bounds a dead holder. */
const refreshLockMs = 15_000;
/** How long a claim on a refresh token holds; a dead claimant's claim ends after it. */
const claimMs = 60_000;

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
    details: { platform },
  });
}

/**
 * The record of a usable access token for `owner` on `platform` (the caller may remember its
 * bearer until its refresh time), refreshed first when it expires within the refresh skew
 * (scaled to the token's lifetime), or when `force`d after the platform refused it. A login
 * without a refresh token keeps its token until it really expires.
 *
 * Single-flight at two levels: concurrent callers in this process share one refresh, and one
 * refresh per owner x platform runs across every instance (a store lock renewed while it
 * runs). The refresh token is claimed compare-and-set before it is spent and the result is
 * written only while the claim still stands, so two instances never both spend one.
 * A refused refresh marks the login "expired" and throws "session_expired".
 */
export async function accessToken(
  ctx: AuthContext,
  owner: string,
  platform: Platform,
  record: TokenRecord,
  force = false,
): Promise<TokenRecord> {
  if (record.state === "expired") throw loginNeeded("session_expired", platform.key, record.reason);
  const now = ctx.now();
  if (!force && isFresh(record, now, ctx.refreshSkewMs)) return record;
  if (!force && !record.refreshToken && !isLapsed(record, now)) return record;
  const flight = `${owner}\u0000${platform.key}\u0000${force ? record.accessToken : ""}`;
  let running = ctx.refreshing.get(flight);
  if (!running) {
    running = ctx.vault.store.withLock(
      `refresh:${owner}:${platform.key}`,
      refreshLockMs,
      () => refreshOnce(ctx, owner, platform, record, force),
    ).finally(() => ctx.refreshing.delete(flight));
    ctx.refreshing.set(flight, running);
  }
  return await running;
}

/** Under the lock: re-reads the record and refreshes unless someone already did. */
async function refreshOnce(
  ctx: AuthContext,
  owner: string,
  platform: Platform,
  seen: TokenRecord,
  force: boolean,
): Promise<TokenRecord> {
  const key = tokensKey(owner, platform.key);
  const claimId = crypto.randomUUID();
  for (;;) {
    const entry = await ctx.vault.getVersioned<TokenRecord>(key);
    if (!entry) throw loginNeeded("not_authenticated", platform.key);
    const current = entry.value;
    const now = ctx.now();
    if (current.state === "expired") {
      throw loginNeeded("session_expired", platform.key, current.reason);
    }
    const renewed = current.accessToken !== seen.accessToken;
    if ((renewed || !force) && isFresh(current, now, ctx.refreshSkewMs)) return current;
    if (!current.refreshToken) {
      if (!isLapsed(current, now) && !(force && !renewed)) return current;
      return await expire(ctx, key, entry, platform, "the platform issued no refresh token.");
    }
    const claim = current.refreshClaim;
    if (claim && claim.until > now) {
      // Another instance is spending this refresh token (its lock lapsed): wait for its result.
      await sleep(100);
      continue;
    }
    const keepMs = entry.expiresAt === undefined ? ctx.keepMs : entry.expiresAt - now;
    const claimed: TokenRecord = {
      ...current,
      refreshClaim: { id: claimId, until: now + claimMs },
    };
    if (!(await ctx.vault.putIf(key, entry.version, claimed, { ttlMs: Math.max(keepMs, 1) }))) {
      continue; // Someone wrote first: look again.
    }
    return await refresh(ctx, owner, claimed, platform, claimId);
  }
}

async function refresh(
  ctx: AuthContext,
  owner: string,
  current: TokenRecord,
  platform: Platform,
  claimId: string,
): Promise<TokenRecord> {
  const key = tokensKey(owner, platform.key);
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
    tokens = await processRefreshResponse(ctx, platform, party, meta, response);
  } catch (err) {
    const why = describeOAuthError(err);
    const entry = await ownClaim(ctx, key, claimId);
    if (err instanceof oauth.ResponseBodyError || err instanceof oauth.OperationProcessingError) {
      if (entry) {
        return await expire(ctx, key, entry, platform, `the refresh was refused (${why}).`);
      }
      throw loginNeeded("session_expired", platform.key, `the refresh was refused (${why}).`);
    }
    // The login is kept: drop the claim so the next call tries again.
    if (entry) {
      const { refreshClaim: _claim, ...unclaimed } = entry.value;
      await ctx.vault.putIf(key, entry.version, unclaimed, { ttlMs: keepOf(ctx, entry) });
    }
    ctx.log.warn("token refresh failed", { platform: platform.key, why });
    await auditAuth(ctx, owner, {
      action: "refresh",
      platform: platform.key,
      outcome: "failure",
      reason: reasonCode(why),
    });
    throw new GatewayError(
      "upstream_unreachable",
      `The token refresh for "${platform.key}" failed: ${why}.`,
      { hint: "Retry shortly; the login is kept.", details: { platform: platform.key } },
    );
  }
  const now = ctx.now();
  const { refreshClaim: _claim, ...previous } = current;
  const next = toTokenRecord(tokens, {
    now,
    issuer: current.issuer,
    requestedScopes: current.scopes,
    previous,
  });
  const ttlMs = Math.max((next.expiresAt ?? now) - now, 0) + ctx.keepMs;
  const entry = await ownClaim(ctx, key, claimId);
  // Written only while our claim stands (a fencing check): a login or logout meanwhile wins.
  const stored = entry !== undefined && await ctx.vault.putIf(key, entry.version, next, { ttlMs });
  // The old bearer is forgotten here; the new one is remembered only when it is the stored one.
  ctx.bearers.forget(owner, platform.key);
  if (stored) ctx.bearers.remember(owner, platform.key, next);
  if (stored) await addToOwnerIndex(ctx.vault, owner, platform.key, ttlMs, ctx.now);
  await auditAuth(ctx, owner, { action: "refresh", platform: platform.key, outcome: "success" });
  ctx.log.info(stored ? "token refreshed" : "token refreshed; the login changed meanwhile", {
    platform: platform.key,
    rotated: next.refreshToken !== current.refreshToken,
  });
  return next;
}

/** The record, when it still carries our claim. */
async function ownClaim(ctx: AuthContext, key: string, claimId: string) {
  const entry = await ctx.vault.getVersioned<TokenRecord>(key);
  return entry?.value.refreshClaim?.id === claimId ? entry : undefined;
}

function keepOf(ctx: AuthContext, entry: { expiresAt?: number }): number {
  return Math.max(1, entry.expiresAt === undefined ? ctx.keepMs : entry.expiresAt - ctx.now());
}

async function expire(
  ctx: AuthContext,
  key: string,
  entry: { value: TokenRecord; version: string },
  platform: Platform,
  reason: string,
): Promise<never> {
  // Tokens that no longer work are not kept; the record stays to say why.
  const { refreshClaim: _claim, ...current } = entry.value;
  const expired: TokenRecord = {
    ...current,
    accessToken: "",
    refreshToken: undefined,
    state: "expired",
    reason,
  };
  await ctx.vault.putIf(key, entry.version, expired, { ttlMs: ctx.keepMs });
  ctx.log.info("login expired", { platform: platform.key, reason });
  const owner = key.slice("tokens:".length, key.length - platform.key.length - 1);
  ctx.bearers.forget(owner, platform.key);
  await auditAuth(ctx, owner, {
    action: "revocation",
    platform: platform.key,
    outcome: "success",
    reason: "expired",
  });
  throw loginNeeded("session_expired", platform.key, reason);
}
