import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";
import { hashPassword } from "../../src/identity/passwords.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { makeTestApp } from "../helpers/test-app.ts";
import { pkce } from "./_world.ts";

// Modes and settings, through app.request() (no socket): what is open in each mode, and the
// authorization server's handling of pre-registered clients and a refused consent.
const platforms = [{ id: "local", fhir_base_url: "http://127.0.0.1:1/fhir" }];
const base = "https://gw.example.org";

async function appWith(env: Record<string, string>) {
  const vault = createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine()));
  const { app } = await makeTestApp({
    platforms,
    env: { FHIR_GATEWAY_PUBLIC_URL: base, ...env },
    deps: { vault },
  });
  return app;
}

describe("settings", () => {
  it("is protected by default when the public URL is not loopback, open on loopback", () => {
    expect(parseConfig({ FHIR_GATEWAY_PUBLIC_URL: base }).identity.mode).toBe("protected");
    expect(parseConfig({ FHIR_GATEWAY_PUBLIC_URL: "http://127.0.0.1:8787" }).identity.mode)
      .toBe("open");
    expect(parseConfig({}).identity.mode).toBe("open");
    expect(
      parseConfig({ FHIR_GATEWAY_PUBLIC_URL: base, FHIR_GATEWAY_AUTH_MODE: "open" }).identity.mode,
    ).toBe("open");
  });

  it("names the bad variable for malformed accounts, clients or OpenID settings", () => {
    const bad = (env: Record<string, string>) => () => parseConfig(env);
    expect(bad({ FHIR_GATEWAY_ACCOUNTS: "alice:plaintext" })).toThrow(/FHIR_GATEWAY_ACCOUNTS/);
    expect(bad({ FHIR_GATEWAY_OAUTH_CLIENTS: "{nope" })).toThrow(/FHIR_GATEWAY_OAUTH_CLIENTS/);
    expect(bad({ FHIR_GATEWAY_OAUTH_CLIENTS: '[{"client_id":"x"}]' })).toThrow(ConfigError);
    expect(bad({ FHIR_GATEWAY_OIDC_ISSUER: "https://idp.example" })).toThrow(
      /FHIR_GATEWAY_OIDC_CLIENT_ID/,
    );
    expect(bad({ FHIR_GATEWAY_AUTH_MODE: "closed" })).toThrow(/FHIR_GATEWAY_AUTH_MODE/);
  });
});

describe("open mode", () => {
  it("serves callers without a token, still refuses a bad gateway token or one in the URL", async () => {
    const app = await appWith({ FHIR_GATEWAY_AUTH_MODE: "open" });
    expect((await app.request("/api/platforms")).status).toBe(200);
    // A credential that is not the gateway's is neither checked nor forwarded.
    const foreign = await app.request("/api/platforms", {
      headers: { authorization: "Bearer some-other-service-token" },
    });
    expect(foreign.status).toBe(200);
    const bad = await app.request("/api/platforms", {
      headers: { authorization: `Bearer fgw_at_${"x".repeat(43)}` },
    });
    expect(bad.status).toBe(401);
    expect((await app.request("/api/platforms?access_token=abc")).status).toBe(400);
  });
});

describe("protected mode", () => {
  it("keeps health and the metadata open, everything under /api and /mcp closed", async () => {
    const app = await appWith({});
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/.well-known/oauth-protected-resource")).status).toBe(200);
    expect((await app.request("/.well-known/oauth-authorization-server")).status).toBe(200);
    expect((await app.request("/api/platforms")).status).toBe(401);
    expect((await app.request("/api/fhir/local/Patient")).status).toBe(401);
    const mcp = await app.request("/mcp", { method: "POST", body: "{}" });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get("www-authenticate")).toContain(
      `${base}/.well-known/oauth-protected-resource/mcp`,
    );
  });

  it("warns at start-up when protected mode has no way to sign in, not when it has one", async () => {
    const vault = createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine()));
    const bare = await makeTestApp({
      platforms,
      env: { FHIR_GATEWAY_PUBLIC_URL: base },
      deps: { vault },
    });
    expect(bare.log.lines.join("\n")).toContain("protected mode without a way to sign in");
    const withAccounts = await makeTestApp({
      platforms,
      env: {
        FHIR_GATEWAY_PUBLIC_URL: base,
        FHIR_GATEWAY_ACCOUNTS: `alice:${await hashPassword("correct horse battery", 10_000)}`,
      },
      deps: { vault },
    });
    expect(withAccounts.log.lines.join("\n")).not.toContain("without a way to sign in");
  });

  it("without dynamic registration, the metadata has no registration_endpoint and register is 404", async () => {
    const app = await appWith({ FHIR_GATEWAY_OAUTH_DYNAMIC_REGISTRATION: "false" });
    const meta = await (await app.request("/.well-known/oauth-authorization-server")).json();
    expect(meta.registration_endpoint).toBeUndefined();
    const res = await app.request("/oauth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: ["https://app.example/cb"] }),
    });
    expect(res.status).toBe(404);
  });

  it("a pre-registered confidential client must present its secret; a denial goes back as access_denied", async () => {
    const secret = "pre-registered-secret-0123456789";
    const app = await appWith({
      FHIR_GATEWAY_ACCOUNTS: `carol:${await hashPassword("carol-password", 10_000)}`,
      FHIR_GATEWAY_OAUTH_CLIENTS: JSON.stringify([{
        client_id: "reporting-app",
        client_secret: secret,
        redirect_uris: ["https://reports.example/callback"],
        client_name: "Reports",
      }]),
    });
    const { verifier, challenge } = await pkce();
    const authorize = (state: string) =>
      app.request(
        `/oauth/authorize?${new URLSearchParams({
          response_type: "code",
          client_id: "reporting-app",
          redirect_uri: "https://reports.example/callback",
          code_challenge: challenge,
          code_challenge_method: "S256",
          state,
        })}`,
      );
    const post = async (started: Response, form: Record<string, string>) => {
      const cookie = started.headers.get("set-cookie")!.split(";")[0]!;
      const page = started.headers.get("location")!;
      expect((await app.request(page, { headers: { cookie } })).status).toBe(200);
      return await app.request(page, {
        method: "POST",
        headers: {
          cookie,
          origin: base,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams(form),
      });
    };
    const denied = await post(await authorize("d1"), { action: "deny" });
    const deniedTo = new URL(denied.headers.get("location")!);
    expect(deniedTo.searchParams.get("error")).toBe("access_denied");
    expect(deniedTo.searchParams.get("state")).toBe("d1");

    const approved = await post(await authorize("a1"), {
      action: "approve",
      username: "carol",
      password: "carol-password",
    });
    const code = new URL(approved.headers.get("location")!).searchParams.get("code")!;
    const token = (auth?: string) =>
      app.request("/oauth/token", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(auth ? { authorization: `Basic ${btoa(auth)}` } : {}),
        },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: "https://reports.example/callback",
          code_verifier: verifier,
          ...(auth ? {} : { client_id: "reporting-app" }),
        }),
      });
    const noSecret = await token();
    expect(noSecret.status).toBe(401);
    expect((await noSecret.json()).error).toBe("invalid_client");
    expect((await token("reporting-app:wrong-secret")).status).toBe(401);
    const ok = await token(`reporting-app:${secret}`);
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.token_type).toBe("Bearer");
    expect(ok.headers.get("cache-control")).toBe("no-store");
    // The whole-gateway resource is not asked for: the token is for /mcp, not REST.
    const rest = await app.request("/api/platforms", {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(rest.status).toBe(401);
  });
});
