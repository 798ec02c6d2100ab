import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importClientKey, privateKeyJwtAuth } from "../../src/auth/client-key.ts";
import { GatewayError } from "../../src/errors.ts";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";

// Epic's asymmetric client authentication: a key from the environment signs a client
// assertion that a real token endpoint (a local server) receives and the test verifies.
let peer: StaticPeer;
let lastForm: URLSearchParams | undefined;
beforeAll(async () => {
  peer = await startStaticPeer(async (request) => {
    lastForm = new URLSearchParams(await request.text());
    return Response.json({ access_token: "at", token_type: "Bearer", expires_in: 300 });
  });
});
afterAll(() => peer?.close());

const b64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const fromB64u = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

async function pemOf(key: CryptoKey): Promise<string> {
  const body = b64(await crypto.subtle.exportKey("pkcs8", key)).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

/** Sends a client_credentials request signed with `text` and returns the verified JWT parts. */
async function assertionFrom(text: string, publicKey: CryptoKey, verify: AlgorithmIdentifier) {
  const tokenEndpoint = `${peer.url}/oauth2/token`;
  const as: oauth.AuthorizationServer = {
    issuer: `${peer.url}/oauth2`,
    token_endpoint: tokenEndpoint,
  };
  const auth = privateKeyJwtAuth(await importClientKey(text, "key-1"), tokenEndpoint);
  const res = await oauth.clientCredentialsGrantRequest(
    as,
    { client_id: "epic-app" },
    auth,
    new URLSearchParams({ scope: "system/Patient.rs" }),
    { [oauth.allowInsecureRequests]: true },
  );
  await res.body?.cancel();
  expect(lastForm!.get("client_assertion_type")).toBe(
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
  );
  const [h, p, s] = lastForm!.get("client_assertion")!.split(".") as [string, string, string];
  const ok = await crypto.subtle.verify(
    verify,
    publicKey,
    fromB64u(s),
    new TextEncoder().encode(`${h}.${p}`),
  );
  expect(ok).toBe(true);
  const decode = (part: string) => JSON.parse(new TextDecoder().decode(fromB64u(part)));
  return { header: decode(h), payload: decode(p), tokenEndpoint };
}

describe("private_key_jwt client keys", () => {
  it("signs RS384 assertions for the token endpoint from a PKCS#8 RSA PEM", async () => {
    const pair = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-384",
      },
      true,
      ["sign", "verify"],
    );
    const { header, payload, tokenEndpoint } = await assertionFrom(
      await pemOf(pair.privateKey),
      pair.publicKey,
      { name: "RSASSA-PKCS1-v1_5" },
    );
    expect(header).toMatchObject({ alg: "RS384", kid: "key-1" });
    expect(payload).toMatchObject({ iss: "epic-app", sub: "epic-app", aud: tokenEndpoint });
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(300);
    expect(typeof payload.jti).toBe("string");
  });

  it("signs ES384 assertions from a private EC JWK, keeping its kid", async () => {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
      "sign",
      "verify",
    ]);
    const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.privateKey)), kid: "ec-2" };
    const key = await importClientKey(JSON.stringify(jwk));
    expect(key.kid).toBe("ec-2");
    const { header } = await assertionFrom(JSON.stringify(jwk), pair.publicKey, {
      name: "ECDSA",
      hash: "SHA-384",
    } as EcdsaParams);
    expect(header.alg).toBe("ES384");
  });

  it("refuses keys it cannot use, saying what to do and never echoing the key", async () => {
    const cases = [
      "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
      '{"kty":"RSA","n":"abc","e":"AQAB"}',
      "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----",
      "not a key",
    ];
    for (const text of cases) {
      const err = await importClientKey(text).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).message).not.toContain("MIIB");
      expect((err as GatewayError).hint).toBeTruthy();
    }
    const pkcs1 = await importClientKey(cases[0]!).catch((e: GatewayError) => e.hint);
    expect(pkcs1).toContain("openssl pkcs8 -topk8");
  });
});
