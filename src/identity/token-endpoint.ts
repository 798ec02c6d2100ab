import { fromBase64Url, toBase64Url, utf8 } from "../store/_bytes.ts";
import { timingSafeEqual } from "./_crypto.ts";
import { toResource } from "./authorize.ts";
import type { ClientRecord, ClientRegistry } from "./clients.ts";
import { OAuthError } from "./oauth-error.ts";
import type { TokenService, TokenSet } from "./tokens.ts";

/** What the token endpoint needs. */
export interface TokenEndpointDeps {
  clients: ClientRegistry;
  tokens: TokenService;
  resources: readonly string[];
}

/** The client a token or revocation request authenticates as; throws `invalid_client`. */
export async function authenticateClient(
  clients: ClientRegistry,
  headers: Headers,
  form: URLSearchParams,
): Promise<ClientRecord> {
  let clientId = form.get("client_id") ?? undefined;
  let secret = form.get("client_secret") ?? undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(headers.get("authorization") ?? "");
  if (basic) {
    const decoded = fromBase64Url(basic[1]!);
    const text = decoded ? new TextDecoder().decode(decoded) : "";
    const colon = text.indexOf(":");
    if (colon < 0) throw new OAuthError("invalid_client", "Malformed Basic credentials.");
    try {
      clientId = decodeURIComponent(text.slice(0, colon));
      secret = decodeURIComponent(text.slice(colon + 1));
    } catch {
      throw new OAuthError("invalid_client", "Malformed Basic credentials.");
    }
  }
  const client = clientId ? await clients.get(clientId) : undefined;
  if (!client) {
    throw new OAuthError("invalid_client", "The client is not registered here; register again.");
  }
  await clients.authenticate(client, secret);
  return client;
}

/** Handles one token request (form already parsed); answers the token set or throws. */
export async function tokenRequest(
  deps: TokenEndpointDeps,
  headers: Headers,
  form: URLSearchParams,
): Promise<TokenSet> {
  for (const [name] of form) {
    if (form.getAll(name).length > 1) {
      throw new OAuthError("invalid_request", `"${name.slice(0, 40)}" repeats.`);
    }
  }
  const client = await authenticateClient(deps.clients, headers, form);
  const grantType = form.get("grant_type");
  const resourceParam = form.get("resource");
  if (resourceParam !== null && !toResource(resourceParam, deps.resources)) {
    throw new OAuthError("invalid_target", "The resource is not this gateway.");
  }
  if (grantType === "authorization_code") {
    return await deps.tokens.redeemCode(form.get("code") ?? "", async (code) => {
      const invalid = new OAuthError(
        "invalid_grant",
        "The code is not valid (unknown, used or expired).",
      );
      if (code.clientId !== client.client_id) throw invalid;
      const redirectUri = form.get("redirect_uri");
      if (redirectUri !== null && redirectUri !== code.redirectUri) throw invalid;
      const verifier = form.get("code_verifier") ?? "";
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
        throw new OAuthError("invalid_grant", "code_verifier is missing or malformed.");
      }
      const challenge = toBase64Url(
        new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(verifier))),
      );
      if (!timingSafeEqual(challenge, code.codeChallenge)) {
        throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge.");
      }
      if (resourceParam !== null && toResource(resourceParam, deps.resources) !== code.resource) {
        throw new OAuthError("invalid_target", "The resource differs from the authorized one.");
      }
    });
  }
  if (grantType === "refresh_token") {
    return await deps.tokens.refresh(
      form.get("refresh_token") ?? "",
      client.client_id,
      resourceParam === null ? undefined : toResource(resourceParam, deps.resources),
    );
  }
  throw new OAuthError(
    "unsupported_grant_type",
    "Only authorization_code and refresh_token grants are supported.",
  );
}
