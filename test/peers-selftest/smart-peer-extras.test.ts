import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOHNNIE_ID, LUNA_ID, startFhirPeer } from "../peers/fhir-server.ts";
import type { FhirPeer } from "../peers/fhir-server.ts";
import { createHttpClient } from "../peers/http-client.ts";
import { loginWithPkce } from "../peers/smart-login.ts";
import type { LoginClient } from "../peers/smart-login.ts";
import { startSmartPeer } from "../peers/smart-server.ts";
import type { SmartPeer } from "../peers/smart-server.ts";

const redirectUri = "http://127.0.0.1:9/callback";
const client: LoginClient = { clientId: "extras-public", redirectUri };
const scope = "launch/patient openid fhirUser patient/*.read";

describe("SMART peer: discovery, refusals and JWT access tokens", () => {
  let smart: SmartPeer;
  let fhir: FhirPeer;
  beforeAll(async () => {
    smart = await startSmartPeer({
      clients: [{ client_id: client.clientId, redirect_uris: [redirectUri] }],
      accessTokenFormat: "jwt",
    });
    fhir = await startFhirPeer({ auth: smart.fhirAuth, seed: false });
    smart.setAudience(fhir.baseUrl);
  });
  afterAll(async () => {
    await fhir.close();
    await smart.close();
  });

  it("serves a SMART configuration, also at the FHIR base, and oauth-uris in /metadata", async () => {
    const config = await (await fetch(`${smart.issuer}/.well-known/smart-configuration`)).json();
    expect(config).toMatchObject({
      issuer: smart.issuer,
      code_challenge_methods_supported: ["S256"],
    });
    expect(config.capabilities).toEqual(
      expect.arrayContaining([
        "launch-standalone",
        "context-standalone-patient",
        "client-public",
        "permission-v2",
      ]),
    );
    const viaFhir = await (await fetch(`${fhir.baseUrl}/.well-known/smart-configuration`)).json();
    expect(viaFhir.token_endpoint).toBe(config.token_endpoint);
    const metadata = await (await fetch(`${fhir.baseUrl}/metadata`)).json();
    const uris = metadata.rest[0].security.extension[0].extension as Array<
      { url: string; valueUri: string }
    >;
    expect(uris).toContainEqual({ url: "token", valueUri: config.token_endpoint });
  });

  it("sends an authorization request without PKCE back with invalid_request", async () => {
    const url = new URL(smart.smartConfiguration.authorization_endpoint);
    const params = {
      response_type: "code",
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope,
    };
    for (const [k, v] of Object.entries({ ...params, aud: fhir.baseUrl, state: "s" })) {
      url.searchParams.set(k, v);
    }
    const { url: callback } = await createHttpClient().follow(url, { stopAt: redirectUri });
    expect(new URL(callback).searchParams.get("error")).toBe("invalid_request");
  });

  it("refuses an aud that is not its FHIR base", async () => {
    const login = loginWithPkce(smart.smartConfiguration, client, {
      scope,
      aud: "http://127.0.0.1:9/other",
    });
    await expect(login).rejects.toThrow(/aud/);
  });

  it("issues no refresh token without offline_access, and follows setPatient", async () => {
    smart.setPatient(LUNA_ID);
    try {
      const { tokens } = await loginWithPkce(smart.smartConfiguration, client, {
        scope,
        aud: fhir.baseUrl,
      });
      expect(tokens.refresh_token).toBeUndefined();
      expect(tokens.patient).toBe(LUNA_ID);
    } finally {
      smart.setPatient(JOHNNIE_ID);
    }
  });

  it("issues JWT access tokens the FHIR peer verifies, and refuses them once expired", async () => {
    // Nothing here races the clock: the valid token lives an hour, and the expired one is
    // checked only after the wall clock has passed its own `exp` (a slow machine waits longer).
    const login = () =>
      loginWithPkce(smart.smartConfiguration, client, { scope, aud: fhir.baseUrl });
    const { tokens } = await login();
    expect(tokens.access_token.split(".")).toHaveLength(3);
    expect(tokens.expires_in).toBe(3600);
    const ok = await fetch(`${fhir.baseUrl}/Patient`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();

    smart.setAccessTokenTtl(1);
    let short: Awaited<ReturnType<typeof login>>["tokens"];
    try {
      short = (await login()).tokens;
    } finally {
      smart.setAccessTokenTtl(3600);
    }
    const { exp, iat } = decodeJwt(short.access_token);
    expect(exp! - iat!).toBe(1);
    while (Date.now() / 1000 <= exp! + 0.05) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(10, exp! * 1000 - Date.now() + 60))
      );
    }
    const expired = await fetch(`${fhir.baseUrl}/Patient`, {
      headers: { authorization: `Bearer ${short.access_token}` },
    });
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain('error="invalid_token"');
    await expired.body?.cancel();
  });
});
