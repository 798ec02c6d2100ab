import * as oauth from "oauth4webapi";
import { toGatewayError } from "../errors.ts";
import type { HookContext } from "../hooks/define-plugin.ts";
import { VaultError } from "../store/vault-error.ts";
import { addToOwnerIndex } from "./_owner-index.ts";
import { type AuthContext, loginChannel, pendingKey, stateKey, tokensKey } from "./_context.ts";
import { auditAuth } from "./_audit.ts";
import type { SmartEndpoints } from "./_endpoints.ts";
import { describeOAuthError, jwksOptions, requestOptions } from "./_oauth-client.ts";
import { partyFor } from "./_party.ts";
import { withTokenHooks } from "./_token-hook.ts";
import type { PendingLogin } from "./start-login.ts";
import { toStatus, toTokenRecord } from "./token-record.ts";
import type { LoginResult } from "./types.ts";

const expiredState: LoginResult = {
  ok: false,
  reason: "expired_state",
  message: "This login link is unknown, expired or already used. Start the login again.",
};

/**
 * Handles the redirect back from the platform: checks `state` (single-use, unexpired, and
 * from the browser session that started the login when it was bound to one), the issuer (RFC 9207), exchanges the code with the PKCE
 * verifier, validates the id_token when one comes, and stores tokens, scopes and launch
 * context. Tells waiting /wait calls on every instance. Bad input consumes nothing it should not.
 */
export async function completeLogin(
  ctx: AuthContext,
  owner: string | undefined,
  params: URLSearchParams,
): Promise<LoginResult> {
  const state = params.get("state");
  if (!state || state.length > 256) return expiredState;
  let pending: PendingLogin | undefined;
  try {
    pending = await ctx.vault.get<PendingLogin>(stateKey(state));
  } catch (err) {
    if (!(err instanceof VaultError)) throw err;
    ctx.log.warn("a login state did not open", { failure: err.failure });
    return expiredState;
  }
  if (!pending) return expiredState;
  // Checked before taking: a callback replayed from another browser must not burn the state.
  if (pending.bindToSession && pending.owner !== owner) {
    ctx.log.warn("login callback from another session", { platform: pending.platform });
    return {
      ok: false,
      reason: "session_mismatch",
      platform: pending.platform,
      message: "This login was started in another browser session. Start it again in this browser.",
    };
  }
  if (!(await ctx.vault.take<PendingLogin>(stateKey(state)))) return expiredState;
  await ctx.vault.delete(pendingKey(pending.owner, pending.platform));
  const result = await exchange(ctx, pending, params).catch((err: unknown): LoginResult => {
    const gw = toGatewayError(err);
    if (gw.code === "internal") ctx.log.error("login failed", { error: String(err) });
    return { ok: false, reason: "failed", platform: pending.platform, message: gw.message };
  });
  await auditAuth(ctx, pending.owner, {
    action: "login",
    stage: "complete",
    platform: pending.platform,
    outcome: result.ok ? "success" : "failure",
    ...(result.ok ? {} : { reason: result.reason }),
  });
  await ctx.vault.store.publish(
    loginChannel(pending.owner, pending.platform),
    result.ok ? "completed" : `failed:${result.reason}`,
  );
  return result;
}

async function exchange(
  ctx: AuthContext,
  pending: PendingLogin,
  params: URLSearchParams,
): Promise<LoginResult> {
  const platform = ctx.catalog.get(pending.platform);
  const error = params.get("error");
  if (error) {
    const denied = error === "access_denied";
    ctx.log.info("login refused by the platform", { platform: platform.key, error });
    return {
      ok: false,
      reason: denied ? "denied" : "failed",
      platform: platform.key,
      message: denied
        ? `The login to "${platform.key}" was denied.`
        : `The platform "${platform.key}" answered "${error.slice(0, 80)}".`,
    };
  }
  const meta = await ctx.discovery.get(platform);
  const issuer = meta.issuer ?? issuerFromCallback(params, meta);
  const party = await partyFor(ctx, platform, meta, issuer);
  const failed = (step: string, err: unknown): LoginResult => {
    const why = describeOAuthError(err);
    ctx.log.warn("login failed", { platform: platform.key, step, why });
    return {
      ok: false,
      reason: "failed",
      platform: platform.key,
      message: `The login to "${platform.key}" failed at ${step}: ${why}.`,
    };
  };
  const hookCtx: HookContext = { platform, log: ctx.log, discovery: meta };
  let tokens: oauth.TokenEndpointResponse;
  try {
    const callback = oauth.validateAuthResponse(
      party.as,
      party.client,
      params,
      oauth.skipStateCheck,
    );
    const response = await oauth.authorizationCodeGrantRequest(
      party.as,
      party.client,
      party.clientAuth,
      callback,
      ctx.redirectUri,
      pending.verifier,
      requestOptions(ctx.fetch, meta.token_endpoint),
    );
    const hooked = await withTokenHooks(response, ctx.hooks, hookCtx);
    tokens = await oauth.processAuthorizationCodeResponse(party.as, party.client, hooked, {
      expectedNonce: pending.nonce ?? oauth.expectNoNonce,
    });
    if (tokens.id_token && party.as.jwks_uri) await verifyIdTokenSignature(ctx, party.as, hooked);
  } catch (err) {
    return failed("the code exchange", err);
  }
  const now = ctx.now();
  const record = toTokenRecord(tokens, {
    now,
    issuer: party.as.issuer,
    requestedScopes: pending.scopes,
    idTokenClaims: oauth.getValidatedIdTokenClaims(tokens) as Record<string, unknown> | undefined,
  });
  const ttlMs = Math.max((record.expiresAt ?? now) - now, 0) + ctx.keepMs;
  await addToOwnerIndex(ctx.vault, pending.owner, platform.key, ttlMs, ctx.now);
  await ctx.vault.put(tokensKey(pending.owner, platform.key), record, { ttlMs });
  // A new login replaces what this instance remembered of the last one, at once.
  ctx.bearers.forget(pending.owner, platform.key);
  ctx.log.info("login completed", {
    platform: platform.key,
    scopes: record.scopes.join(" "),
    refreshable: Boolean(record.refreshToken),
  });
  return {
    ok: true,
    platform: platform.key,
    status: toStatus(platform.key, record, now),
    returnTo: pending.returnTo,
  };
}

/**
 * Checks the id_token's signature against the issuer's JWKS (its claims, nonce included, were
 * checked already). HMAC-signed id_tokens, which need the client secret, are not checked.
 */
async function verifyIdTokenSignature(
  ctx: AuthContext,
  as: oauth.AuthorizationServer,
  response: Response,
): Promise<void> {
  try {
    await oauth.validateApplicationLevelSignature(
      as,
      response,
      jwksOptions(ctx.fetch, as.jwks_uri!),
    );
  } catch (err) {
    if (err instanceof oauth.UnsupportedOperationError) return;
    throw err;
  }
}

/**
 * When discovery named no issuer, the callback's `iss` is accepted only from the origin of
 * the authorization endpoint the login went to; a foreign issuer fails validation (mix-up).
 */
function issuerFromCallback(params: URLSearchParams, meta: SmartEndpoints): string | undefined {
  const iss = params.get("iss");
  if (!iss) return undefined;
  try {
    return new URL(iss).origin === new URL(meta.authorization_endpoint).origin ? iss : undefined;
  } catch {
    return undefined;
  }
}
