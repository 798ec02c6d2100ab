import { GatewayError } from "../errors.ts";

/** The gateway as a CDS Hooks client: signs each request's JWT and publishes its key. */
export interface ClientSigner {
  /** A JWT for one call to `audience` (the CDS service or FHIR endpoint URL). */
  sign(audience: string, claims?: { issuer?: string; tenant?: string }): Promise<string>;
  /** The public JWK Set served at /.well-known/jwks.json. */
  jwks(): Promise<{ keys: Array<JsonWebKey & { kid: string }> }>;
}

interface SignerOptions {
  /** JWT `iss` and `sub`: the client id the payer knows the gateway by. */
  issuer: string;
  /** A private JWK (EC P-384/P-256 or RSA); a P-384 key is generated when absent. */
  privateJwk?: string;
  /** The URL of the JWK Set, sent as the `jku` header. */
  jwksUrl: string;
  now?: () => number;
  /** JWT lifetime in seconds (CDS Hooks: at most five minutes). */
  lifetimeSeconds?: number;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const b64json = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));

type Algorithm = {
  alg: string;
  sign: EcdsaParams | AlgorithmIdentifier;
  import: EcKeyImportParams | RsaHashedImportParams;
};

function algorithmOf(jwk: JsonWebKey): Algorithm {
  if (jwk.kty === "EC" && (jwk.crv === "P-384" || jwk.crv === "P-256")) {
    const hash = jwk.crv === "P-384" ? "SHA-384" : "SHA-256";
    return {
      alg: jwk.crv === "P-384" ? "ES384" : "ES256",
      sign: { name: "ECDSA", hash },
      import: { name: "ECDSA", namedCurve: jwk.crv },
    };
  }
  if (jwk.kty === "RSA") {
    return {
      alg: "RS384",
      sign: { name: "RSASSA-PKCS1-v1_5" },
      import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
    };
  }
  throw new GatewayError(
    "internal",
    "FHIR_GATEWAY_CDS_HOOKS_PRIVATE_KEY must be an EC P-384/P-256 or RSA private JWK.",
  );
}

/** The RFC 7638 thumbprint of a public key, used as its `kid`. */
async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const members = jwk.kty === "EC"
    ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
    : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(members)),
  );
  return b64url(new Uint8Array(digest));
}

async function loadKey(
  text?: string,
): Promise<{ key: CryptoKey; publicJwk: JsonWebKey; alg: Algorithm }> {
  if (!text) {
    const alg = algorithmOf({ kty: "EC", crv: "P-384" });
    const pair = await crypto.subtle.generateKey(alg.import as EcKeyGenParams, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    return { key: pair.privateKey, publicJwk, alg };
  }
  let jwk: JsonWebKey & { kid?: string };
  try {
    jwk = JSON.parse(text);
  } catch {
    throw new GatewayError("internal", "FHIR_GATEWAY_CDS_HOOKS_PRIVATE_KEY is not a JSON JWK.");
  }
  if (!jwk.d) {
    throw new GatewayError(
      "internal",
      "FHIR_GATEWAY_CDS_HOOKS_PRIVATE_KEY is a public JWK; the private key (with d) is needed.",
    );
  }
  const alg = algorithmOf(jwk);
  const {
    d: _d,
    p: _p,
    q: _q,
    dp: _dp,
    dq: _dq,
    qi: _qi,
    key_ops: _ops,
    alg: _alg,
    use: _use,
    ...publicJwk
  } = jwk;
  const { key_ops: _o, alg: _a, use: _u, ...bare } = jwk;
  const key = await crypto.subtle.importKey("jwk", bare, alg.import, false, ["sign"]);
  return { key, publicJwk, alg };
}

/** Builds the signer; the key is loaded (or generated) once, on first use. */
export function createClientSigner(options: SignerOptions): ClientSigner {
  const now = options.now ?? Date.now;
  const lifetime = Math.min(options.lifetimeSeconds ?? 300, 300);
  let loaded:
    | Promise<{ key: CryptoKey; publicJwk: JsonWebKey; alg: Algorithm; kid: string }>
    | undefined;
  const material = () =>
    loaded ??= loadKey(options.privateJwk).then(async (k) => ({
      ...k,
      kid: (k.publicJwk as { kid?: string }).kid ?? await thumbprint(k.publicJwk),
    }));
  return {
    async sign(audience, claims = {}) {
      const { key, alg, kid } = await material();
      const iat = Math.floor(now() / 1000);
      const header = { alg: alg.alg, typ: "JWT", kid, jku: options.jwksUrl };
      const payload = {
        iss: claims.issuer ?? options.issuer,
        sub: claims.issuer ?? options.issuer,
        aud: audience,
        iat,
        exp: iat + lifetime,
        jti: crypto.randomUUID(),
        ...(claims.tenant ? { tenant: claims.tenant } : {}),
      };
      const input = `${b64json(header)}.${b64json(payload)}`;
      const signature = await crypto.subtle.sign(alg.sign, key, new TextEncoder().encode(input));
      return `${input}.${b64url(new Uint8Array(signature))}`;
    },
    async jwks() {
      const { publicJwk, alg, kid } = await material();
      const { key_ops: _o, ext: _e, ...pub } = publicJwk as JsonWebKey & { kid?: string };
      return { keys: [{ ...pub, kid, alg: alg.alg, use: "sig" }] };
    },
  };
}
