import { afterAll, beforeAll, expect, it } from "vitest";
import { tokensKey } from "../../src/auth/_context.ts";
import { createSmartAuth } from "../../src/auth/smart-auth.ts";
import type { TokenRecord } from "../../src/auth/token-record.ts";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { GatewayError } from "../../src/errors.ts";
import { createHookPipeline } from "../../src/hooks/pipeline.ts";
import { silentLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { startStaticPeer, type StaticPeer } from "../peers/fhir-server.ts";

// oidc-provider's test wrapper registers no key-authenticated clients, so this token endpoint
// is a small one following RFC 7523 section 3 and SMART Backend Services' assertion rules:
// it verifies the client assertion (RS384, iss = sub = client id, aud = token endpoint).
let peer: StaticPeer;
let keys: CryptoKeyPair;
const seen: Array<{ kid?: string; ok: boolean; grant?: string }> = [];
const b64u = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
const fromB64u = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

beforeAll(async () => {
  keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-384",
    },
    true,
    ["sign", "verify"],
  );
  peer = await startStaticPeer(async (request) => {
    const url = new URL(request.url);
    if (url.pathname !== "/token") return new Response("not found", { status: 404 });
    const form = new URLSearchParams(await request.text());
    const [h = "", p = "", s = ""] = (form.get("client_assertion") ?? "").split(".");
    const header = h ? JSON.parse(new TextDecoder().decode(fromB64u(h))) : {};
    const claims = p ? JSON.parse(new TextDecoder().decode(fromB64u(p))) : {};
    const signed = s !== "" && await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      keys.publicKey,
      fromB64u(s),
      new TextEncoder().encode(`${h}.${p}`),
    );
    const ok = signed && header.alg === "RS384" &&
      form.get("client_assertion_type") ===
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
      claims.iss === "pkj-app" && claims.sub === "pkj-app" && claims.aud === `${peer.url}/token` &&
      claims.exp > Date.now() / 1000;
    seen.push({ kid: header.kid, ok, grant: form.get("grant_type") ?? undefined });
    if (!ok) return Response.json({ error: "invalid_client" }, { status: 401 });
    if (form.get("refresh_token") !== "rt-1") {
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    }
    return Response.json({
      access_token: "at-2",
      token_type: "Bearer",
      expires_in: 300,
      refresh_token: "rt-2",
    });
  });
});
afterAll(() => peer?.close());

async function setup(privateKey: string) {
  const file = platformFileSchema.parse({
    id: "pkj",
    name: "Key-authenticated platform",
    type: "ehr",
    fhir_base_url: `${peer.url}/fhir`,
    oauth: {
      authorize_url: `${peer.url}/authorize`,
      token_url: `${peer.url}/token`,
      token_endpoint_auth_methods: ["private_key_jwt"],
    },
  });
  const env = {
    FHIR_GATEWAY_PLATFORM_PKJ_CLIENT_ID: "pkj-app",
    FHIR_GATEWAY_PLATFORM_PKJ_PRIVATE_KEY: privateKey,
    FHIR_GATEWAY_PLATFORM_PKJ_PRIVATE_KEY_ID: "key-1",
  };
  const platform = toPlatform("platforms/pkj.json", file, env);
  const vault = createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine()));
  const auth = createSmartAuth({
    catalog: createCatalog([platform]),
    hooks: createHookPipeline([]),
    vault,
    fetch,
    log: silentLogger,
    publicUrl: "http://gateway.test",
    refreshSkewSeconds: 60,
    sessionIdleSeconds: 3600,
    env,
  });
  const stale: TokenRecord = {
    accessToken: "at-1",
    refreshToken: "rt-1",
    tokenType: "bearer",
    expiresAt: Date.now() - 1000,
    scopes: ["system/Patient.rs"],
    issuer: peer.url,
    obtainedAt: Date.now() - 3600_000,
    state: "active",
  };
  await vault.put(tokensKey("session:k", "pkj"), stale);
  return { auth, platform, vault };
}

it("refreshes with a signed client assertion from FHIR_GATEWAY_PLATFORM_<ID>_PRIVATE_KEY", async () => {
  const pkcs8 = b64u(await crypto.subtle.exportKey("pkcs8", keys.privateKey))
    .replace(/-/g, "+").replace(/_/g, "/");
  const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`;
  const { auth, platform, vault } = await setup(pem);
  expect(await auth.authorization(platform, "session:k")).toBe("Bearer at-2");
  expect(seen.at(-1)).toEqual({ kid: "key-1", ok: true, grant: "refresh_token" });
  const stored = await vault.get<TokenRecord>(tokensKey("session:k", "pkj"));
  expect(stored).toMatchObject({ accessToken: "at-2", refreshToken: "rt-2", state: "active" });
});

it("says what is wrong with a key that does not import, without echoing it", async () => {
  const { auth, platform } = await setup("-----BEGIN RSA PRIVATE KEY-----\nMIIBsecret\n-----END");
  const err = await auth.authorization(platform, "session:k").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).message).toContain("PKCS#1");
  expect(JSON.stringify({ m: (err as Error).message, h: (err as GatewayError).hint }))
    .not.toContain("MIIBsecret");
});
