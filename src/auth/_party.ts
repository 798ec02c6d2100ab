import type * as oauth from "oauth4webapi";
import { envPrefix, type Platform } from "../catalog/platform.ts";
import type { AuthContext } from "./_context.ts";
import type { SmartEndpoints } from "./_endpoints.ts";
import { type OAuthParty, toOAuthParty } from "./_oauth-client.ts";
import { importClientKey } from "./client-key.ts";

/**
 * The OAuth party for `platform`, with its signing key when
 * `FHIR_GATEWAY_PLATFORM_<ID>_PRIVATE_KEY` is set (imported once per platform; the key id from
 * `..._PRIVATE_KEY_ID`). A key that does not import fails with a GatewayError saying why.
 */
export async function partyFor(
  ctx: AuthContext,
  platform: Platform,
  meta: SmartEndpoints,
  issuer?: string,
): Promise<OAuthParty> {
  const signingKey = await clientKeyOf(ctx, platform);
  return toOAuthParty(platform, meta, ctx.redirectUri, issuer, signingKey);
}

function clientKeyOf(ctx: AuthContext, platform: Platform): Promise<oauth.PrivateKey | undefined> {
  const prefix = envPrefix(platform.id);
  const text = ctx.env[`${prefix}PRIVATE_KEY`]?.trim();
  if (!text) return Promise.resolve(undefined);
  let key = ctx.clientKeys.get(platform.id);
  if (!key) {
    key = importClientKey(text, ctx.env[`${prefix}PRIVATE_KEY_ID`]?.trim() || undefined);
    ctx.clientKeys.set(platform.id, key);
    key.catch(() => ctx.clientKeys.delete(platform.id));
  }
  return key;
}
