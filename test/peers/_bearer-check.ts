import { createRemoteJWKSet, jwtVerify } from "jose";

/** How the FHIR peer checks bearer tokens against the SMART peer. */
export interface BearerAuthOptions {
  issuer: string;
  /** Defaults to the issuer's `/.well-known/smart-configuration` introspection_endpoint. */
  introspectionUrl?: string;
  /** Defaults to the issuer's `/.well-known/smart-configuration` jwks_uri. */
  jwksUrl?: string;
  /** The confidential client that may call introspection. */
  clientId?: string;
  clientSecret?: string;
}

/** Why a request was refused, or the token's claims when it was accepted. */
export type BearerVerdict =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; error?: "invalid_token"; description: string };

interface Endpoints {
  introspectionUrl?: string;
  jwksUrl?: string;
}

/**
 * Verifies `Authorization: Bearer` values for one audience (the FHIR base URL): JWT access
 * tokens by signature against the issuer's JWKS (issuer, audience, expiry); opaque ones by
 * RFC 7662 introspection with a confidential client (active, issuer, audience, Bearer type).
 */
export function createBearerCheck(
  auth: BearerAuthOptions,
  audience: string,
): (authorization: string | null) => Promise<BearerVerdict> {
  let endpoints: Promise<Endpoints> | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const resolveEndpoints = (): Promise<Endpoints> => {
    endpoints ??= discover(auth).catch((error: unknown) => {
      endpoints = undefined;
      throw error;
    });
    return endpoints;
  };

  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    const token = match?.[1];
    if (!token) return { ok: false, description: "A bearer token is required" };
    const { introspectionUrl, jwksUrl } = await resolveEndpoints();
    if (token.split(".").length === 3 && jwksUrl) {
      jwks ??= createRemoteJWKSet(new URL(jwksUrl));
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: auth.issuer,
          audience: [audience, `${audience}/`],
        });
        return { ok: true, claims: payload };
      } catch (error) {
        return {
          ok: false,
          error: "invalid_token",
          description: `The access token failed verification (${(error as Error).name})`,
        };
      }
    }
    if (!introspectionUrl || !auth.clientId || !auth.clientSecret) {
      return {
        ok: false,
        error: "invalid_token",
        description: "The access token is not a JWT and introspection is not configured",
      };
    }
    const claims = await introspect(introspectionUrl, auth.clientId, auth.clientSecret, token);
    if (claims.active !== true) {
      return { ok: false, error: "invalid_token", description: "The access token is not active" };
    }
    if (claims.iss !== undefined && claims.iss !== auth.issuer) {
      return {
        ok: false,
        error: "invalid_token",
        description: "The access token has another issuer",
      };
    }
    if (!audiences(claims.aud).includes(stripSlash(audience))) {
      return {
        ok: false,
        error: "invalid_token",
        description: `The access token is not meant for "${audience}"`,
      };
    }
    // Refresh tokens introspect as active too, but carry no token_type.
    if (String(claims.token_type).toLowerCase() !== "bearer") {
      return {
        ok: false,
        error: "invalid_token",
        description: "The token is not a bearer access token",
      };
    }
    return { ok: true, claims };
  };
}

async function discover(auth: BearerAuthOptions): Promise<Endpoints> {
  if (auth.introspectionUrl || auth.jwksUrl) {
    return { introspectionUrl: auth.introspectionUrl, jwksUrl: auth.jwksUrl };
  }
  const response = await fetch(`${stripSlash(auth.issuer)}/.well-known/smart-configuration`);
  if (!response.ok) {
    throw new Error(`SMART discovery at "${auth.issuer}" answered ${response.status}`);
  }
  const config = (await response.json()) as { introspection_endpoint?: string; jwks_uri?: string };
  return { introspectionUrl: config.introspection_endpoint, jwksUrl: config.jwks_uri };
}

async function introspect(
  url: string,
  clientId: string,
  clientSecret: string,
  token: string,
): Promise<Record<string, unknown>> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`)
    .toString("base64");
  const response = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: new URLSearchParams({ token, token_type_hint: "access_token" }),
  });
  if (!response.ok) throw new Error(`Token introspection answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

function audiences(aud: unknown): string[] {
  const list = Array.isArray(aud) ? aud : [aud];
  return list.filter((a): a is string => typeof a === "string").map(stripSlash);
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
