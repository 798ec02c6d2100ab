/// <reference path="./oidc-provider.d.ts" />
import { randomBytes } from "node:crypto";
import Provider from "oidc-provider";
import type { ClientMetadata, Middleware } from "oidc-provider";
import { decodeJwt, importJWK, type JWK, SignJWT } from "jose";
import type { BearerAuthOptions } from "./_bearer-check.ts";
import { approveInteraction } from "./_interactions.ts";
import { serveNode } from "./_node-serve.ts";
import { rsaSigningKey, smartProviderConfiguration } from "./_oidc-config.ts";
import type { SmartState } from "./_oidc-config.ts";
import { smartConfigurationOf } from "./_smart-configuration.ts";
import type { OpenIdDiscovery } from "./_smart-configuration.ts";
import { smartMiddleware } from "./_smart-middleware.ts";
import { JOHNNIE_ID } from "./_seed.ts";

/** A client registered at the SMART peer. */
export interface SmartClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  /** Default: `client_secret_basic` with a secret, `none` without. */
  token_endpoint_auth_method?: "none" | "client_secret_basic" | "client_secret_post";
}

/** Options of {@link startSmartPeer}. */
export interface SmartPeerOptions {
  clients: SmartClient[];
  /** The FHIR base the tokens are for (the audience); can be set later with `setAudience`. */
  fhirBaseUrl?: string;
  /** The patient in the launch context; default Johnnie679 Hermiston71. */
  patient?: string;
  /** An encounter for `launch/encounter`; none by default. */
  encounter?: string;
  /** Default 3600; make it short to force expiry. */
  accessTokenTtlSeconds?: number;
  /** Default one day. */
  refreshTokenTtlSeconds?: number;
  /** `opaque` (default, checked by introspection) or `jwt` (checked against the JWKS). */
  accessTokenFormat?: "opaque" | "jwt";
  /** Re-issue refresh answers' id_token without `aud` (default false); see `setRefreshIdTokenWithoutAud`. */
  refreshIdTokenWithoutAud?: boolean;
}

/** A running SMART authorization server (oidc-provider behind a thin wrapper). */
export interface SmartPeer {
  /** `http://127.0.0.1:PORT`; also the `iss` on every callback. */
  issuer: string;
  /** The document served at `/.well-known/smart-configuration`. */
  smartConfiguration: Record<string, unknown> & OpenIdDiscovery;
  /** What the FHIR peer needs to verify this server's tokens: `startFhirPeer({ auth: smart.fhirAuth })`. */
  fhirAuth: Required<BearerAuthOptions>;
  /** Token values revoked through the revocation endpoint, oldest first. */
  revoked: string[];
  setAudience(url: string): void;
  setPatient(id: string): void;
  /** The lifetime of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  setRefreshIdTokenWithoutAud(on: boolean): void;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider 9 as a SMART on FHIR authorization server on a free loopback port.
 * Login and consent are approved without a page. Typical wiring:
 * `smart = await startSmartPeer({ clients })`, `fhir = await startFhirPeer({ auth: smart.fhirAuth })`,
 * then `smart.setAudience(fhir.baseUrl)`; authorization requests are refused until the
 * audience is known, and an `aud` other than it is refused too.
 */
export async function startSmartPeer(opts: SmartPeerOptions): Promise<SmartPeer> {
  const state: SmartState = {
    audience: opts.fhirBaseUrl?.replace(/\/+$/, ""),
    patient: opts.patient ?? JOHNNIE_ID,
    encounter: opts.encounter,
    accountId: "test-user",
    accessTokenTtl: opts.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtl: opts.refreshTokenTtlSeconds ?? 86_400,
    accessTokenFormat: opts.accessTokenFormat ?? "opaque",
    refreshIdTokenWithoutAud: opts.refreshIdTokenWithoutAud ?? false,
    smartScopes: new Set(),
  };
  const introspector = {
    id: "fhir-peer-introspection",
    secret: randomBytes(24).toString("base64url"),
  };
  const clients: ClientMetadata[] = [
    ...opts.clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret ? { client_secret: c.client_secret } : {}),
      redirect_uris: c.redirect_uris,
      token_endpoint_auth_method: c.token_endpoint_auth_method ??
        (c.client_secret ? "client_secret_basic" : "none"),
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    })),
    {
      client_id: introspector.id,
      client_secret: introspector.secret,
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ];

  const served = await serveNode(() => undefined);
  const issuer = served.origin;
  const revoked: string[] = [];
  const provider = new Provider(issuer, smartProviderConfiguration(state, clients, revoked));
  provider.use(smartMiddleware(state, "/auth"));
  provider.use(refreshIdTokenQuirk(state));
  const oidc = provider.callback();
  // Ask the engine for its own endpoint URLs before serving the SMART document built from them.
  served.setListener(oidc);
  const discovery = await fetch(`${issuer}/.well-known/openid-configuration`).then(
    (r) => r.json() as Promise<OpenIdDiscovery>,
  );
  const smartConfiguration = smartConfigurationOf(discovery) as SmartPeer["smartConfiguration"];
  served.setListener((req, res) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    if (path === "/.well-known/smart-configuration") {
      res.setHeader("content-type", "application/json");
      res.setHeader("access-control-allow-origin", "*");
      res.end(JSON.stringify(smartConfiguration));
    } else if (req.method === "GET" && path.startsWith("/interaction/")) {
      approveInteraction(provider, state.accountId, req, res).catch((error: unknown) => {
        if (res.headersSent) return res.destroy();
        res.statusCode = 500;
        res.end(`Interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    } else {
      oidc(req, res);
    }
  });
  return {
    issuer,
    smartConfiguration,
    fhirAuth: {
      issuer,
      introspectionUrl: discovery.introspection_endpoint ?? `${issuer}/token/introspection`,
      jwksUrl: discovery.jwks_uri,
      clientId: introspector.id,
      clientSecret: introspector.secret,
    },
    revoked,
    setAudience(url: string): void {
      state.audience = url.replace(/\/+$/, "");
    },
    setPatient(id: string): void {
      state.patient = id;
    },
    setAccessTokenTtl(seconds: number): void {
      state.accessTokenTtl = seconds;
    },
    setRefreshIdTokenWithoutAud(on: boolean): void {
      state.refreshIdTokenWithoutAud = on;
    },
    close: served.close,
  };
}

/**
 * When `state.refreshIdTokenWithoutAud` is on, a refresh answer's id_token is re-signed with the
 * peer's own key minus its `aud` claim: what an independent SMART server was seen to send.
 */
function refreshIdTokenQuirk(state: SmartState): Middleware {
  return async (ctx, next) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    const refresh = ctx.oidc?.params?.grant_type === "refresh_token";
    if (
      !state.refreshIdTokenWithoutAud || ctx.oidc?.route !== "token" || !refresh ||
      ctx.status !== 200 || typeof body?.id_token !== "string"
    ) return;
    const { aud: _aud, ...claims } = decodeJwt(body.id_token);
    const jwk = rsaSigningKey();
    const key = await importJWK(jwk as JWK, "RS256");
    body.id_token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: String(jwk.kid) })
      .sign(key);
  };
}
