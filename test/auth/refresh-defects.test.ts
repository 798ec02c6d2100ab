/**
 * Regression tests for refresh defects found in acceptance (issue 8 b and c, issue 9 item 7),
 * against the real SMART peer (oidc-provider) and the real FHIR engine, which checks every
 * bearer token. Time moves on the gateway's injected clock only: the peers' tokens live for
 * minutes of real time, far longer than any of these tests runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenRecord } from "../../src/auth/token-record.ts";
import type { AuthStatus } from "../../src/auth/types.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type AuthWorld, login, loginKey, pid, startAuthWorld } from "./_world.ts";

const search = (world: AuthWorld, http: ReturnType<AuthWorld["client"]>) =>
  http.fetch(`${world.gateway}/api/fhir/${pid}/Patient?_id=${JOHNNIE_ID}`);

async function statusOf(world: AuthWorld, http: ReturnType<AuthWorld["client"]>) {
  const response = await http.fetch(`${world.gateway}/auth/${pid}/status`);
  if (response.status >= 500) throw new Error(`status answered ${response.status}`);
  return (await response.json()) as AuthStatus;
}

const refreshes = (world: AuthWorld) => world.tokenGrants.filter((g) => g === "refresh_token");

describe("a refresh whose id_token fails validation (issue 8 b)", () => {
  let world: AuthWorld;
  beforeAll(async () => {
    // The peer re-issues the id_token without `aud` on refresh, like the independent server did.
    world = await startAuthWorld({ peer: { refreshIdTokenWithoutAud: true } });
  });
  afterAll(async () => await world?.close());

  it("keeps the refreshed access token and logs why, naming no token", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const first = (await world.vault.get<TokenRecord>(key))!;
    world.advance(3600_000);
    const found = await search(world, http);
    expect(found.status).toBe(200);
    await found.body?.cancel();
    expect(refreshes(world)).toHaveLength(1);
    const after = (await world.vault.get<TokenRecord>(key))!;
    expect(after.state).toBe("active");
    expect(after.accessToken).not.toBe(first.accessToken);
    expect(world.fhir.requests.at(-1)?.headers.authorization).toBe(`Bearer ${after.accessToken}`);
    expect(await statusOf(world, http)).toMatchObject({ state: "active", authenticated: true });
    const warning = world.logLines.find((l) => l.includes("refreshed id_token failed validation"));
    expect(warning).toBeDefined();
    expect(warning).toMatch(/aud/);
    for (const secret of [after.accessToken, after.refreshToken!, first.refreshToken!]) {
      expect(world.logLines.join("\n")).not.toContain(secret);
    }
  });
});

describe("tokens shorter than the refresh skew (issue 8 c)", () => {
  let world: AuthWorld;
  beforeAll(async () => {
    // Tokens live 300 s; the skew is 600 s: longer than the tokens themselves.
    world = await startAuthWorld({
      peer: { accessTokenTtlSeconds: 300 },
      env: () => ({ FHIR_GATEWAY_REFRESH_SKEW_SECONDS: "600" }),
    });
  });
  afterAll(async () => await world?.close());

  it("uses a fresh token without refreshing it, then N concurrent callers cause one grant", async () => {
    const http = world.client();
    await loginKey(world, http);
    const found = await search(world, http);
    expect(found.status).toBe(200);
    await found.body?.cancel();
    expect(refreshes(world)).toEqual([]);
    // 250 s in: within the skew scaled to the lifetime (60 s), so every caller wants a refresh.
    world.advance(250_000);
    const answers = await Promise.all(Array.from({ length: 5 }, () => search(world, http)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      await a.body?.cancel();
    }
    expect(refreshes(world)).toHaveLength(1);
    // And across two instances sharing the store: still one grant per refresh.
    world.advance(250_000);
    const other = world.otherInstance();
    const cookie = http.jar.header(new URL(world.gateway));
    const both = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) =>
          i % 2
            ? search(world, http)
            : other.request(`/api/fhir/${pid}/Patient?_id=${JOHNNIE_ID}`, {
              headers: { cookie: cookie! },
            }),
      ),
    );
    expect(both.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(refreshes(world)).toHaveLength(2);
  });

  it("does not call a login without a refresh token expired while its token still works", async () => {
    const http = world.client();
    // No offline_access: the platform issues no refresh token.
    const page = await login(
      world,
      http,
      "?scope=openid%20fhirUser%20launch/patient%20patient/*.read",
    );
    expect(page.status).toBe(200);
    const grants = world.tokenGrants.length;
    const found = await search(world, http);
    expect(found.status).toBe(200);
    await found.body?.cancel();
    expect(await statusOf(world, http)).toMatchObject({ state: "active", authenticated: true });
    world.advance(290_000); // 10 s of the token's life left, inside the skew
    const late = await search(world, http);
    expect(late.status).toBe(200);
    await late.body?.cancel();
    expect(world.tokenGrants.length).toBe(grants);
    world.advance(20_000); // now past its expiry
    const lapsed = await search(world, http);
    expect(lapsed.status).toBe(401);
    await lapsed.body?.cancel();
    expect(await statusOf(world, http)).toMatchObject({ state: "expired", authenticated: false });
  });
});

describe("a refresh token claimed by another instance", () => {
  let world: AuthWorld;
  beforeAll(async () => {
    world = await startAuthWorld();
  });
  afterAll(async () => await world?.close());

  it("is not spent twice: the caller waits for the claimant's result", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const record = (await world.vault.get<TokenRecord>(key))!;
    world.advance(3600_000);
    // Another instance (whose lock lapsed) has claimed the refresh token and is spending it.
    const now = Date.now() + 3600_000;
    await world.vault.put(key, { ...record, refreshClaim: { id: "other", until: now + 60_000 } });
    const pending = search(world, http);
    await new Promise((r) => setTimeout(r, 300));
    // The claimant finishes: it stores a token that is good for another hour (on this clock).
    await world.vault.put(key, { ...record, obtainedAt: now, expiresAt: now + 3600_000 });
    const answer = await pending;
    expect(answer.status).toBe(200);
    await answer.body?.cancel();
    expect(refreshes(world)).toEqual([]);
  });
});

describe("fhirUser in auth status (issue 9 item 7)", () => {
  let world: AuthWorld;
  beforeAll(async () => {
    world = await startAuthWorld();
  });
  afterAll(async () => await world?.close());

  it("is relative, never the platform's absolute URL, on every status answer", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const stored = (await world.vault.get<TokenRecord>(key))!;
    // The peer sends the absolute URL under the FHIR base; the gateway keeps it server-side.
    expect(stored.fhirUser).toBe(`${world.fhir.baseUrl}/Patient/${JOHNNIE_ID}`);
    const rest = await statusOf(world, http);
    expect(rest.fhirUser).toBe(`Patient/${JOHNNIE_ID}`);
    const owner = key.slice("tokens:".length, key.lastIndexOf(`:${pid}`));
    const [status] = await world.auth.status(owner);
    expect(status!.fhirUser).toBe(`Patient/${JOHNNIE_ID}`);
    const waited = await world.auth.waitForLogin(owner, pid, { timeoutMs: 10 });
    expect(waited.fhirUser).toBe(`Patient/${JOHNNIE_ID}`);
    const upstream = new URL(world.fhir.baseUrl).host;
    for (const text of [JSON.stringify(rest), JSON.stringify(status), JSON.stringify(waited)]) {
      expect(text).not.toContain(upstream);
    }
  });
});
