import * as oauth from "oauth4webapi";
import { envPrefix, type Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import type { SmartEndpoints } from "./_endpoints.ts";
import { privateKeyJwtAuth } from "./client-key.ts";

/** What oauth4webapi needs to talk to one platform's authorization server. */
export interface OAuthParty {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  /** Whether the client authenticates (with a secret or a signed assertion). */
  confidential: boolean;
}

/**
 * The client of the gateway at `platform`: its id (and secret or signing key) from the
 * environment, the authentication method from the platform file or else what the server
 * supports (private_key_jwt with a key, client_secret_basic, else client_secret_post), and the
 * server metadata with `issuer` when it is known.
 */
export function toOAuthParty(
  platform: Platform,
  meta: SmartEndpoints,
  redirectUri: string,
  issuer?: string,
  signingKey?: oauth.PrivateKey,
): OAuthParty {
  const prefix = envPrefix(platform.id);
  const { clientId, clientSecret } = platform.credentials;
  if (!clientId) {
    throw new GatewayError(
      "platform_unavailable",
      `No OAuth client is configured for the platform "${platform.key}".`,
      {
        hint:
          `Register an app at the platform with redirect URI ${redirectUri}, then set ${prefix}CLIENT_ID (and ${prefix}CLIENT_SECRET for a confidential client).`,
      },
    );
  }
  if (platform.oauth?.confidential && !clientSecret && !signingKey) {
    throw new GatewayError(
      "platform_unavailable",
      `The platform "${platform.key}" issues only confidential clients, and no secret is set.`,
      { hint: `Set ${prefix}CLIENT_SECRET to the secret the platform issued.` },
    );
  }
  const as: oauth.AuthorizationServer = {
    issuer: issuer ?? meta.issuer ?? new URL(meta.authorization_endpoint).origin,
    authorization_endpoint: meta.authorization_endpoint,
    token_endpoint: meta.token_endpoint,
    revocation_endpoint: meta.revocation_endpoint,
    introspection_endpoint: meta.introspection_endpoint,
    jwks_uri: meta.jwks_uri,
    authorization_response_iss_parameter_supported:
      meta.authorization_response_iss_parameter_supported,
    id_token_signing_alg_values_supported: meta.id_token_signing_alg_values_supported,
  };
  const client: oauth.Client = { client_id: clientId };
  // The platform file names how the registered client authenticates; discovery, what the server can.
  const methods = platform.oauth?.token_endpoint_auth_methods ??
    meta.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (signingKey && methods.includes("private_key_jwt")) {
    const clientAuth = privateKeyJwtAuth(signingKey, meta.token_endpoint);
    return { as, client, clientAuth, confidential: true };
  }
  if (!clientSecret) return { as, client, clientAuth: oauth.None(), confidential: false };
  const clientAuth = !methods.includes("client_secret_basic") &&
      methods.includes("client_secret_post")
    ? oauth.ClientSecretPost(clientSecret)
    : oauth.ClientSecretBasic(clientSecret);
  return { as, client, clientAuth, confidential: true };
}

/**
 * Request options for oauth4webapi: our fetch, and plain http only to loopback hosts (local
 * development and tests); everything else must be https.
 */
export function requestOptions(
  fetchFn: typeof fetch,
  url: string,
  extra: { additionalParameters?: URLSearchParams } = {},
): oauth.TokenEndpointRequestOptions & oauth.RevocationRequestOptions {
  return {
    [oauth.customFetch]: fetchFn,
    [oauth.allowInsecureRequests]: isLoopbackHttp(url),
    signal: AbortSignal.timeout(30_000),
    ...extra,
  };
}

/** Options for fetching the issuer's JWKS (id_token signatures), as requestOptions. */
export function jwksOptions(fetchFn: typeof fetch, url: string): oauth.ValidateSignatureOptions {
  return {
    [oauth.customFetch]: fetchFn,
    [oauth.allowInsecureRequests]: isLoopbackHttp(url),
    signal: AbortSignal.timeout(30_000),
  };
}

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === "http:" &&
    (u.hostname === "localhost" || u.hostname === "127.0.0.1" || u.hostname === "[::1]");
}

/**
 * An OAuth error code as RFC 6749 spells them (`invalid_grant`): lowercase words joined by
 * underscores. Anything else is not repeated, since a platform may echo a token in `error`.
 */
const errorCodePattern = /^[a-z]+(?:_[a-z]+)+$/;

/** A short, token-free description of an oauth4webapi failure, for pages and logs. */
export function describeOAuthError(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError || err instanceof oauth.AuthorizationResponseError) {
    return err.error.length <= 64 && errorCodePattern.test(err.error)
      ? `the platform answered "${err.error}"`
      : "the platform answered a non-standard error";
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    return `the platform refused the client (${err.status})`;
  }
  if (err instanceof oauth.OperationProcessingError) {
    return `its answer did not validate (${err.code})`;
  }
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return "the platform did not answer in time";
  }
  if (err instanceof TypeError) return "the platform could not be reached";
  return "an unexpected error occurred";
}
