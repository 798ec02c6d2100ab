import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createClientSigner } from "../../src/coverage/client-jwt.ts";

const now = () => Date.UTC(2026, 11, 1, 12, 0, 0);

describe("the gateway's CDS Hooks client JWT", () => {
  it("signs the claims CDS Hooks names with a generated P-384 key its JWKS verifies", async () => {
    const signer = createClientSigner({
      issuer: "gw",
      jwksUrl: "https://gw.example/.well-known/jwks.json",
      now,
    });
    const token = await signer.sign("https://payer.example/cds/cds-services/order-sign-crd", {
      tenant: "org-1",
    });
    const jwks = createLocalJWKSet(await signer.jwks());
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: "gw",
      audience: "https://payer.example/cds/cds-services/order-sign-crd",
      currentDate: new Date(now()),
    });
    expect(protectedHeader).toMatchObject({
      alg: "ES384",
      typ: "JWT",
      jku: "https://gw.example/.well-known/jwks.json",
    });
    expect(protectedHeader.kid).toBe((await signer.jwks()).keys[0]!.kid);
    expect(payload).toMatchObject({ sub: "gw", tenant: "org-1" });
    expect(payload.exp! - payload.iat!).toBe(300);
    const other = await signer.sign("https://payer.example/x");
    expect(other).not.toBe(token);
  });

  it("uses a configured private JWK (RSA or EC) and publishes only its public part", async () => {
    for (const alg of ["RS384", "ES256"] as const) {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: `k-${alg}` };
      const signer = createClientSigner({
        issuer: "gw",
        jwksUrl: "https://gw.example/jwks",
        privateJwk: JSON.stringify(jwk),
        now,
      });
      const set = await signer.jwks();
      expect(set.keys[0]).toMatchObject({ kid: `k-${alg}`, alg, use: "sig" });
      expect(JSON.stringify(set)).not.toContain(`"d":`);
      const { protectedHeader } = await jwtVerify(
        await signer.sign("https://a"),
        createLocalJWKSet(set),
        {
          audience: "https://a",
          currentDate: new Date(now()),
        },
      );
      expect(protectedHeader.alg).toBe(alg);
    }
  });

  it("refuses a public or malformed key with a message that names the setting", async () => {
    const { publicKey } = await generateKeyPair("ES384", { extractable: true });
    for (const text of [JSON.stringify(await exportJWK(publicKey)), "not json"]) {
      const signer = createClientSigner({
        issuer: "gw",
        jwksUrl: "https://gw/jwks",
        privateJwk: text,
        now,
      });
      await expect(signer.sign("https://a")).rejects.toThrow(/FHIR_GATEWAY_CDS_HOOKS_PRIVATE_KEY/);
    }
  });
});
