import * as oauth from "oauth4webapi";
import type { Platform } from "../catalog/platform.ts";
import type { AuthContext } from "./_context.ts";
import type { SmartEndpoints } from "./_endpoints.ts";
import type { OAuthParty } from "./_oauth-client.ts";
import { withTokenHooks } from "./_token-hook.ts";

/**
 * Validates a refresh answer (after the tokenResponse hooks). An id_token that fails
 * validation (some servers re-issue it without `aud` on refresh) does not void the good new
 * access token: the answer is validated again without it, a warning names why (never a
 * token), and the login keeps its earlier launch context. Anything else wrong still throws.
 */
export async function processRefreshResponse(
  ctx: AuthContext,
  platform: Platform,
  party: OAuthParty,
  meta: SmartEndpoints,
  response: Response,
): Promise<oauth.TokenEndpointResponse> {
  const hooked = await withTokenHooks(response, ctx.hooks, {
    platform,
    log: ctx.log,
    discovery: meta,
  });
  const status = hooked.status;
  const headers = new Headers(hooked.headers);
  headers.delete("content-length");
  const text = await hooked.text();
  const again = (body: string) => new Response(body, { status, headers });
  try {
    return await oauth.processRefreshTokenResponse(party.as, party.client, again(text));
  } catch (err) {
    const withoutIdToken = status === 200 && err instanceof oauth.OperationProcessingError
      ? dropIdToken(text)
      : undefined;
    if (withoutIdToken === undefined) throw err;
    const tokens = await oauth.processRefreshTokenResponse(
      party.as,
      party.client,
      again(withoutIdToken),
    );
    ctx.log.warn("the refreshed id_token failed validation; kept the refreshed access token", {
      platform: platform.key,
      why: idTokenProblem(err as oauth.OperationProcessingError),
    });
    return tokens;
  }
}

/** The body without its id_token, or undefined when it had none (the failure was elsewhere). */
function dropIdToken(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (!body || typeof body !== "object" || typeof body.id_token !== "string") return undefined;
    delete body.id_token;
    return JSON.stringify(body);
  } catch {
    return undefined;
  }
}

/** A token-free reason: the library's code and, from its fixed message, the claim it named. */
function idTokenProblem(err: oauth.OperationProcessingError): string {
  const named = /JWT "([a-z_]{1,32})" \([a-z ]{1,40}\) claim (missing|value)/i.exec(err.message);
  if (!named) return err.code ?? "invalid id_token";
  return `${err.code}: the id_token's "${named[1]}" claim is ${
    named[2] === "missing" ? "missing" : "wrong"
  }`;
}
