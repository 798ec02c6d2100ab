import * as oauth from "oauth4webapi";
import { GatewayError } from "../errors.ts";

/**
 * Asymmetric client authentication (`private_key_jwt`, RFC 7523), as Epic and SMART Backend
 * Services require it. Keys come from `FHIR_GATEWAY_PLATFORM_<ID>_PRIVATE_KEY`: a PKCS#8 PEM
 * (`-----BEGIN PRIVATE KEY-----`) or a private JWK (JSON with `d`). RSA keys sign RS384 and
 * EC keys ES256/ES384 (by curve), the algorithms SMART names. Keys are not extractable.
 */

/**
 * oauth4webapi's key type. It derives CryptoKey from the runtime's `generateKey`, which Deno's
 * overloads collapse to `never`; a WebCrypto key is what it means either way.
 */
type SigningKey = oauth.PrivateKey["key"];

const rs384 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" } as const;
const curves = ["P-384", "P-256"] as const;

/** Imports a signing key; `kid` (or the JWK's own) names it to the platform's JWKS. */
export async function importClientKey(text: string, kid?: string): Promise<oauth.PrivateKey> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) return await importJwk(trimmed, kid);
  if (/-----BEGIN (RSA|EC) PRIVATE KEY-----/.test(trimmed)) {
    throw keyError(
      "is a PKCS#1/SEC1 PEM; the gateway reads PKCS#8",
      "Convert it: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem",
    );
  }
  const body = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(trimmed);
  if (!body) throw keyError("is neither a PKCS#8 PEM nor a JWK");
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = Uint8Array.from(atob(body[1]!.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw keyError("has a PEM body that is not base64");
  }
  const attempts: Array<RsaHashedImportParams | EcKeyImportParams> = [
    rs384,
    ...curves.map((namedCurve) => ({ name: "ECDSA", namedCurve })),
  ];
  for (const algorithm of attempts) {
    try {
      const key = await crypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
      return { key: key as SigningKey, kid };
    } catch {
      // try the next algorithm: PKCS#8 names its key type, WebCrypto wants it up front
    }
  }
  throw keyError("is not an RSA, P-256 or P-384 private key");
}

async function importJwk(text: string, kid?: string): Promise<oauth.PrivateKey> {
  let jwk: JsonWebKey & { kid?: string };
  try {
    jwk = JSON.parse(text);
  } catch {
    throw keyError("looks like JSON but does not parse");
  }
  if (!jwk.d) throw keyError("is a public JWK; the private key (with `d`) is needed");
  const algorithm = jwk.kty === "RSA"
    ? { name: "RSASSA-PKCS1-v1_5", hash: `SHA-${(jwk.alg ?? "RS384").slice(2)}` }
    : jwk.kty === "EC" && (curves as readonly string[]).includes(jwk.crv ?? "")
    ? { name: "ECDSA", namedCurve: jwk.crv! }
    : undefined;
  if (!algorithm) throw keyError(`has key type "${jwk.kty}"; RSA or EC P-256/P-384 is needed`);
  const { alg: _alg, key_ops: _ops, use: _use, ...bare } = jwk;
  try {
    const key = await crypto.subtle.importKey("jwk", bare, algorithm, false, ["sign"]);
    return { key: key as SigningKey, kid: kid ?? jwk.kid };
  } catch {
    throw keyError("could not be imported");
  }
}

/**
 * Client authentication with a signed assertion whose `aud` is the token endpoint, as SMART
 * (and Epic) require; oauth4webapi alone would put the issuer there.
 */
export function privateKeyJwtAuth(key: oauth.PrivateKey, tokenEndpoint: string): oauth.ClientAuth {
  return oauth.PrivateKeyJwt(key, {
    [oauth.modifyAssertion]: (_header, payload) => {
      payload.aud = tokenEndpoint;
    },
  });
}

function keyError(problem: string, hint?: string): GatewayError {
  return new GatewayError("platform_unavailable", `The configured private key ${problem}.`, {
    hint: hint ??
      "Set FHIR_GATEWAY_PLATFORM_<ID>_PRIVATE_KEY to a PKCS#8 PEM or a private JWK (RSA or EC).",
  });
}
