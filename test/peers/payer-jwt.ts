import { createRemoteJWKSet, jwtVerify } from "jose";

/** One check of a CDS Hooks client JWT, as the payer peer saw it. */
export interface JwtCheck {
  ok: boolean;
  url: string;
  iss?: string;
  aud?: string;
  error?: string;
}

/**
 * Verifies CDS Hooks client JWTs the way the specification asks a CDS service to: signature
 * against the client's JWK Set (fetched from its published URL), `iss` on the allowlist, `aud`
 * the endpoint being called, `exp` in the future and at most five minutes after `iat`, and a
 * `jti` never seen before (replay).
 */
export function createJwtVerifier(options: { jwksUrl: () => string; issuer: string }) {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let jwksFor = "";
  const seen = new Set<string>();
  const checks: JwtCheck[] = [];
  async function verify(request: Request): Promise<JwtCheck> {
    const url = request.url;
    const header = request.headers.get("authorization") ?? "";
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const fail = (error: string) => {
      const check = { ok: false, url, error };
      checks.push(check);
      return check;
    };
    if (!token) return fail("no bearer JWT");
    try {
      if (!jwks || jwksFor !== options.jwksUrl()) {
        jwksFor = options.jwksUrl();
        jwks = createRemoteJWKSet(new URL(jwksFor));
      }
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: url,
        algorithms: ["ES384", "ES256", "RS384"],
      });
      if (protectedHeader.typ !== "JWT") return fail("typ is not JWT");
      if (typeof payload.jti !== "string" || seen.has(payload.jti)) {
        return fail("jti missing or replayed");
      }
      seen.add(payload.jti);
      if (!payload.exp || !payload.iat || payload.exp - payload.iat > 300) {
        return fail("lifetime over 5 minutes");
      }
      if (payload.sub !== options.issuer) return fail("sub is not the client id");
      const check = { ok: true, url, iss: payload.iss, aud: String(payload.aud) };
      checks.push(check);
      return check;
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
  }
  return { verify, checks };
}
