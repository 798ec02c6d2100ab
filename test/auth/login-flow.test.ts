import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthStatus } from "../../src/auth/types.ts";
import type { TokenRecord } from "../../src/auth/token-record.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { revokeToken } from "../peers/smart-login.ts";
import {
  type AuthWorld,
  clientId,
  clientSecret,
  login,
  loginKey,
  pid,
  startAuthWorld,
} from "./_world.ts";

/** Reads a JSON answer, failing loudly on a 500. */
async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (response.status >= 500) throw new Error(`unexpected ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

describe.each([
  { name: "public client", confidential: false },
  { name: "confidential client (client_secret_basic)", confidential: true },
  { name: "confidential client (client_secret_post)", confidential: true, post: true },
])("SMART standalone launch through the gateway, $name", ({ confidential, post }) => {
  let world: AuthWorld;
  beforeAll(async () => {
    world = await startAuthWorld({ confidential, post });
  });
  afterAll(async () => await world?.close());

  it("logs in, searches with the token, refreshes at expiry, logs out to a 401", async () => {
    const http = world.client();
    const search = () => http.fetch(`${world.gateway}/api/fhir/${pid}/Patient?_id=${JOHNNIE_ID}`);

    const before = await search();
    expect(before.status).toBe(401);
    const outcome = await json<{ issue: Array<{ diagnostics: string }> }>(before);
    expect(outcome.issue[0]!.diagnostics).toContain(`/auth/${pid}/login`);

    const before2 = new Set(await world.vault.list("tokens:"));
    const page = await login(world, http);
    const key = (await world.vault.list("tokens:")).find((k) => !before2.has(k))!;
    expect(page.url).toMatch(new RegExp(`^${world.gateway}/auth/callback\\?`));
    expect(page.status).toBe(200);
    expect(page.html).toContain("Logged in");
    expect(page.html).toContain(JOHNNIE_ID);
    // Cookies ignore ports: the SMART peer on the same host sets its own too.
    expect(http.jar.names(new URL(world.gateway))).toContain("fhir_gateway_session");

    const status = await json<AuthStatus>(await http.fetch(`${world.gateway}/auth/${pid}/status`));
    expect(status).toMatchObject({ platform: pid, authenticated: true, state: "active" });
    expect(status.patient).toBe(JOHNNIE_ID);
    expect(status.fhirUser).toContain(`Patient/${JOHNNIE_ID}`);
    expect(status.scopes).toEqual(expect.arrayContaining(["offline_access", "launch/patient"]));

    const found = await search();
    expect(found.status).toBe(200);
    const bundle = await json<{ entry: Array<{ resource: { id: string } }> }>(found);
    expect(bundle.entry.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
    const firstToken = lastBearer(world);

    // Past the access token's lifetime (gateway clock): the next call refreshes first.
    world.advance(3600_000);
    const grantsBefore = world.tokenGrants.length;
    expect((await search()).status).toBe(200);
    expect(world.tokenGrants.slice(grantsBefore)).toEqual(["refresh_token"]);
    const secondToken = lastBearer(world);
    expect(secondToken).not.toBe(firstToken);

    // The platform refuses the stored token (it was replaced): one 401 upstream, one refresh.
    // Written behind the gateway's back, so it is read once the gateway's caches lapse.
    const record = (await world.vault.get<TokenRecord>(key))!;
    await world.vault.put(key, { ...record, accessToken: "no-longer-valid" });
    world.lapseCaches();
    expect((await search()).status).toBe(200);
    expect(world.tokenGrants.slice(grantsBefore)).toEqual(["refresh_token", "refresh_token"]);
    const refreshToken = (await world.vault.get<TokenRecord>(key))!.refreshToken;
    expect(refreshToken).toBeTruthy();
    expect(refreshToken).not.toBe(record.refreshToken);

    const out = await http.fetch(`${world.gateway}/auth/${pid}/logout`, { method: "POST" });
    expect(await json<AuthStatus>(out)).toMatchObject({ state: "none", authenticated: false });
    expect(world.smart.revoked).toContain(refreshToken);
    expect(await world.vault.get(key)).toBeUndefined();
    const after = await search();
    expect(after.status).toBe(401);
    expect(JSON.stringify(await json(after))).toContain("needs a login first");
  });

  it("answers one refresh for concurrent calls at expiry, and all use the new token", async () => {
    const http = world.client();
    await login(world, http);
    world.advance(3600_000);
    const grantsBefore = world.tokenGrants.length;
    const seen = world.fhir.requests.length;
    const answers = await Promise.all(
      Array.from(
        { length: 6 },
        () => http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(world.tokenGrants.slice(grantsBefore)).toEqual(["refresh_token"]);
    const bearers = new Set(
      world.fhir.requests.slice(seen).map((r) => r.headers.authorization).filter(Boolean),
    );
    expect(bearers.size).toBe(1);
  });

  it("says `expired` with a way back after the platform revoked the login", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const record = (await world.vault.get<TokenRecord>(key))!;
    const revoked = await revokeToken(world.smart.smartConfiguration as never, {
      clientId,
      clientSecret: confidential ? clientSecret : undefined,
      authMethod: post ? "client_secret_post" : undefined,
      redirectUri: "",
    }, record.refreshToken!);
    expect(revoked.ok).toBe(true);
    world.advance(3600_000);
    const answer = await http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect(answer.status).toBe(401);
    const text = JSON.stringify(await json(answer));
    expect(text).toContain("has expired");
    expect(text).toContain(`/auth/${pid}/login`);
    const status = await json<AuthStatus>(await http.fetch(`${world.gateway}/auth/${pid}/status`));
    expect(status).toMatchObject({ state: "expired", authenticated: false });
    expect(status.reason).toContain("invalid_grant");
    // The expired record keeps no token.
    const kept = (await world.vault.get<TokenRecord>(key))!;
    expect([kept.accessToken, kept.refreshToken]).toEqual(["", undefined]);
  });
});

/** The Authorization header of the newest request the FHIR peer received. */
function lastBearer(world: AuthWorld): string | undefined {
  return world.fhir.requests.at(-1)?.headers.authorization;
}
