import * as oauth from "oauth4webapi";
import type { Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import type { HookContext } from "../hooks/define-plugin.ts";
import type { SmartEndpoints } from "./_endpoints.ts";
import { addToOwnerIndex } from "./_owner-index.ts";
import { type AuthContext, loginWindowMs, pendingKey, stateKey } from "./_context.ts";
import { auditAuth } from "./_audit.ts";
import { partyFor } from "./_party.ts";
import { newUserCode, putConfirmation } from "./login-confirmation.ts";
import type { LoginStart } from "./types.ts";

/** What the vault keeps between /login and /callback, under the single-use `state`. */
export interface PendingLogin {
  owner: string;
  platform: string;
  verifier: string;
  nonce?: string;
  scopes: string[];
  returnTo?: string;
  /** The callback must come from `owner`'s browser session (see AuthService.startLogin). */
  bindToSession: boolean;
  createdAt: number;
}

/**
 * Begins a SMART standalone launch: PKCE S256, a fresh single-use `state` for `owner` (10
 * minutes; bound to the browser session too with `bindToSession`), `aud` = the FHIR base unless a plugin says otherwise, scopes
 * from the caller or the platform file through the rewriteScopes hook. Without
 * `bindToSession`, answers the gateway's confirm page and a user code instead of the platform URL.
 */
export async function startLogin(
  ctx: AuthContext,
  owner: string,
  platformRef: string,
  options: { scopes?: string[]; returnTo?: string; bindToSession?: boolean } = {},
): Promise<LoginStart> {
  const platform = ctx.catalog.get(platformRef);
  if (platform.status === "disabled" || !platform.baseUrl) {
    throw new GatewayError(
      "platform_unavailable",
      `The platform "${platform.key}" cannot be logged in to: it has no usable FHIR base URL.`,
      { hint: platform.status_reason ?? `See ${platform.source}.` },
    );
  }
  const returnTo = options.returnTo === undefined
    ? undefined
    : sameOriginPath(options.returnTo, ctx.publicOrigin);
  const meta = await ctx.discovery.get(platform);
  const { client } = await partyFor(ctx, platform, meta);
  const hookCtx: HookContext = { platform, log: ctx.log, discovery: meta };
  const requested = options.scopes?.length ? options.scopes : defaultScopes(platform, meta);
  const scopes = await ctx.hooks.rewriteScopes(requested, hookCtx);

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = scopes.includes("openid") ? oauth.generateRandomNonce() : undefined;
  let params = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: ctx.redirectUri,
    scope: scopes.join(" "),
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  // The FHIR base by default; the aud plugin applies the platform file's `oauth.aud`.
  params.set("aud", platform.baseUrl);
  if (nonce) params.set("nonce", nonce);
  params = await ctx.hooks.authorizeParams(params, hookCtx);

  const now = ctx.now();
  const pending: PendingLogin = {
    owner,
    platform: platform.key,
    verifier,
    nonce,
    scopes,
    returnTo,
    bindToSession: options.bindToSession ?? false,
    createdAt: now,
  };
  await addToOwnerIndex(ctx.vault, owner, platform.key, loginWindowMs, ctx.now);
  await ctx.vault.put(stateKey(state), pending, { ttlMs: loginWindowMs });
  await ctx.vault.put(pendingKey(owner, platform.key), { startedAt: now }, {
    ttlMs: loginWindowMs,
  });
  const url = new URL(meta.authorization_endpoint);
  for (const [k, v] of params) url.searchParams.set(k, v);
  ctx.log.info("login started", { platform: platform.key, scopes: scopes.join(" ") });
  await auditAuth(ctx, owner, {
    action: "login",
    stage: "start",
    platform: platform.key,
    outcome: "success",
  });
  const expiresAt = new Date(now + loginWindowMs).toISOString();
  if (pending.bindToSession) {
    return { authorizationUrl: url.href, platform: platform.key, expiresAt };
  }
  // Not bound to a browser: the user first sees the code on the gateway's confirm page.
  const userCode = newUserCode();
  const id = await putConfirmation(ctx.vault, {
    platform: platform.key,
    platformName: displayName(platform),
    userCode,
    authorizationUrl: url.href,
    expiresAt,
  }, loginWindowMs);
  return {
    authorizationUrl: `${ctx.publicUrl}/auth/confirm/${id}`,
    platform: platform.key,
    expiresAt,
    userCode,
  };
}

/** The name people know a platform by, with the organization when the reference names one. */
function displayName(platform: Platform): string {
  const name = platform.display_name ?? platform.name;
  return platform.tenant ? `${platform.tenant.name} (${name})` : name;
}

/** The scopes asked for when neither the caller nor the platform file names any. */
function defaultScopes(platform: Platform, meta: SmartEndpoints): string[] {
  if (platform.oauth?.scopes?.length) return platform.oauth.scopes;
  const v2 = (platform.oauth?.scope_version ??
    (meta.capabilities.includes("permission-v2") ? "v2" : "v1")) === "v2";
  return [
    "openid",
    "fhirUser",
    "launch/patient",
    "offline_access",
    v2 ? "patient/*.rs" : "patient/*.read",
  ];
}

/** A path on the gateway's own origin, or a 400 naming the rule. */
export function sameOriginPath(value: string, publicOrigin: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value, publicOrigin);
  } catch {
    url = undefined;
  }
  // A path that resolves to "//host" would leave the gateway as a protocol-relative Location
  // ("/.//evil.example", "/a/..//evil.example"), so it is refused like a foreign origin.
  if (
    !url || url.origin !== publicOrigin || value.startsWith("//") || value.includes("\\") ||
    url.pathname.startsWith("//")
  ) {
    throw new GatewayError("bad_request", "return_to must be a path on this gateway.", {
      hint: `Use a relative path such as "/" or a URL starting with ${publicOrigin}/.`,
    });
  }
  return `${url.pathname}${url.search}${url.hash}`;
}
