import { createHash, randomBytes } from "node:crypto";
import type { HttpClient } from "./http-client.ts";
import { createHttpClient } from "./http-client.ts";

/** The token endpoint's JSON answer, SMART fields included. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
}

/** A SMART client as the login helpers see it. */
export interface LoginClient {
  clientId: string;
  clientSecret?: string;
  /** Default: `client_secret_basic` with a secret, `none` without. */
  authMethod?: "none" | "client_secret_basic" | "client_secret_post";
  redirectUri: string;
}

/** SMART endpoints, as in `/.well-known/smart-configuration`. */
export interface SmartEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
}

/** A PKCE pair (RFC 7636, S256). */
export function createPkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/**
 * Runs a standalone launch as a browser would: authorize with PKCE, let the SMART peer approve,
 * stop at the redirect_uri, check `state` and `iss`, and exchange the code.
 */
export async function loginWithPkce(
  config: SmartEndpoints & { issuer: string },
  client: LoginClient,
  request: { scope: string; aud: string; extra?: Record<string, string> },
  http: HttpClient = createHttpClient(),
): Promise<{ tokens: TokenResponse; callback: URL }> {
  const pkce = createPkce();
  const state = randomBytes(16).toString("base64url");
  const authorize = new URL(config.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: request.scope,
    aud: request.aud,
    state,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    ...request.extra,
  };
  for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
  const { url } = await http.follow(authorize, { stopAt: client.redirectUri });
  const callback = new URL(url);
  const error = callback.searchParams.get("error");
  if (error) {
    throw new Error(
      `Authorization failed: ${error} ${callback.searchParams.get("error_description") ?? ""}`,
    );
  }
  if (callback.searchParams.get("state") !== state) {
    throw new Error("The callback's state does not match");
  }
  if (callback.searchParams.get("iss") !== config.issuer) {
    throw new Error("The callback's iss is not the issuer");
  }
  const response = await tokenRequest(config, client, {
    grant_type: "authorization_code",
    code: callback.searchParams.get("code") ?? "",
    redirect_uri: client.redirectUri,
    code_verifier: pkce.verifier,
  });
  if (!response.ok) {
    throw new Error(`Token request answered ${response.status}: ${await response.text()}`);
  }
  return { tokens: (await response.json()) as TokenResponse, callback };
}

/** POSTs a form to the token endpoint with the client's authentication. */
export function tokenRequest(
  config: SmartEndpoints,
  client: LoginClient,
  form: Record<string, string>,
): Promise<Response> {
  return postWithClient(config.token_endpoint, client, form);
}

/** Revokes a token (RFC 7009). */
export function revokeToken(
  config: SmartEndpoints,
  client: LoginClient,
  token: string,
): Promise<Response> {
  if (!config.revocation_endpoint) throw new Error("The server has no revocation_endpoint");
  return postWithClient(config.revocation_endpoint, client, { token });
}

function postWithClient(
  url: string,
  client: LoginClient,
  form: Record<string, string>,
): Promise<Response> {
  const method = client.authMethod ?? (client.clientSecret ? "client_secret_basic" : "none");
  const body = new URLSearchParams(form);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (method === "client_secret_basic") {
    const pair = `${encodeURIComponent(client.clientId)}:${
      encodeURIComponent(client.clientSecret ?? "")
    }`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  } else {
    body.set("client_id", client.clientId);
    if (method === "client_secret_post") body.set("client_secret", client.clientSecret ?? "");
  }
  return fetch(url, { method: "POST", headers, body });
}
