/**
 * Issue 12: a logged-in read read and decrypted the session and the token record from the store
 * on every call. Each instance now remembers the session and the bearer for
 * FHIR_GATEWAY_SESSION_CACHE_SECONDS (default 5), never past the token's refresh point, and
 * forgets them at once on its own logout, refresh and re-login. Through the real gateway
 * against the SMART peer and the FHIR engine that checks every token; store calls are counted
 * on the real memory store; time moves on the gateway's injected clock only.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TokenRecord } from "../../src/auth/token-record.ts";
import { refreshSkew } from "../../src/auth/token-record.ts";
import { parseConfig } from "../../src/config.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import type { HttpClient } from "../peers/http-client.ts";
import { type AuthWorld, login, loginKey, pid, startAuthWorld } from "./_world.ts";

let world: AuthWorld;
beforeAll(async () => {
  // The gateway's clock also moves with real time: a cache time far longer than any test
  // takes, so only world.advance() and world.lapseCaches() end what it remembers.
  world = await startAuthWorld({ env: () => ({ FHIR_GATEWAY_SESSION_CACHE_SECONDS: "300" }) });
});
afterAll(async () => await world?.close());

const readPath = `/api/fhir/${pid}/Patient/${JOHNNIE_ID}`;
const read = (http: HttpClient) => http.fetch(`${world.gateway}${readPath}`);
/** The bearers the FHIR engine received since `from`. */
const bearersSince = (from: number) =>
  world.fhir.requests.slice(from).map((r) => r.headers.authorization);

/** Counts the reads of the gateway's store while `run` runs. */
async function storeReads(run: () => Promise<void>): Promise<number> {
  const spies = [
    vi.spyOn(world.store, "get"),
    vi.spyOn(world.store, "getVersioned"),
    vi.spyOn(world.store, "take"),
  ];
  try {
    await run();
    return spies.reduce((n, s) => n + s.mock.calls.length, 0);
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

async function status(response: Response): Promise<number> {
  const text = await response.text();
  if (response.status >= 500) throw new Error(`unexpected ${response.status}: ${text}`);
  return response.status;
}

describe("the session and bearer caches", () => {
  it("is on by default for a few seconds", () => {
    expect(parseConfig({}).sessionCacheSeconds).toBe(5);
    expect(parseConfig({ FHIR_GATEWAY_SESSION_CACHE_SECONDS: "0" }).sessionCacheSeconds).toBe(0);
    expect(() => parseConfig({ FHIR_GATEWAY_SESSION_CACHE_SECONDS: "-1" })).toThrow();
    expect(() => parseConfig({ FHIR_GATEWAY_SESSION_CACHE_SECONDS: "301" })).toThrow();
  });

  it("serves logged-in reads without reading the store, with the same bearer", async () => {
    const http = world.client();
    await loginKey(world, http);
    expect(await status(await read(http))).toBe(200);
    const seen = world.fhir.requests.length;
    const reads = await storeReads(async () => {
      for (let i = 0; i < 10; i++) expect(await status(await read(http))).toBe(200);
    });
    expect(reads).toBe(0);
    const bearers = new Set(bearersSince(seen));
    expect(bearers.size).toBe(1);
    expect([...bearers][0]).toMatch(/^Bearer \S+$/);
  });

  it("forgets the bearer at once on this instance's logout: the next read is 401, not sent", async () => {
    const http = world.client();
    await loginKey(world, http);
    expect(await status(await read(http))).toBe(200);
    const out = await http.fetch(`${world.gateway}/auth/${pid}/logout`, { method: "POST" });
    expect(await status(out)).toBe(200);
    const seen = world.fhir.requests.length;
    expect(await status(await read(http))).toBe(401);
    expect(world.fhir.requests.length).toBe(seen);
  });

  it("another instance sees a logout within the cache time", async () => {
    const http = world.client();
    await loginKey(world, http);
    const cookie = http.jar.header(new URL(world.gateway))!;
    const other = world.otherInstance();
    const readThere = () => other.request(`${world.gateway}${readPath}`, { headers: { cookie } });
    expect(await status(await readThere())).toBe(200);
    const out = await http.fetch(`${world.gateway}/auth/${pid}/logout`, { method: "POST" });
    expect(await status(out)).toBe(200);
    // Within the cache time the other instance may still send the bearer it remembers: the
    // platform refuses it (the logout revoked it), and the refused call reads the store.
    let seen = world.fhir.requests.length;
    expect(await status(await readThere())).toBe(401);
    expect(world.fhir.requests.length).toBe(seen + 1);
    // Past it, nothing is remembered: the logout is what the other instance reads.
    world.lapseCaches();
    seen = world.fhir.requests.length;
    expect(await status(await readThere())).toBe(401);
    expect(world.fhir.requests.length).toBe(seen);
  });

  it("a bearer the platform refuses forces a refresh, and the new one is what is remembered", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    // The platform no longer knows the stored access token (the refresh token still works).
    // Nothing of this login is remembered yet, so the first read takes (and remembers) it.
    const record = (await world.vault.get<TokenRecord>(key))!;
    await world.vault.put(key, { ...record, accessToken: "no-longer-valid" });
    const seen0 = world.fhir.requests.length;
    const grants = world.tokenGrants.length;
    expect(await status(await read(http))).toBe(200);
    expect(world.tokenGrants.slice(grants)).toEqual(["refresh_token"]);
    const [refused, second] = bearersSince(seen0);
    expect(refused).toBe("Bearer no-longer-valid");
    expect(second).not.toBe(refused);
    const seen = world.fhir.requests.length;
    const reads = await storeReads(async () => {
      expect(await status(await read(http))).toBe(200);
    });
    expect(reads).toBe(0);
    expect(bearersSince(seen)).toEqual([second]);
  });

  it("a new login replaces the remembered bearer at once", async () => {
    const http = world.client();
    await loginKey(world, http);
    expect(await status(await read(http))).toBe(200);
    const first = world.fhir.requests.at(-1)!.headers.authorization!;
    // The same browser logs in again: same owner, new tokens (the old ones still work).
    expect((await login(world, http)).status).toBe(200);
    const seen = world.fhir.requests.length;
    expect(await status(await read(http))).toBe(200);
    const [now] = bearersSince(seen);
    expect(now).not.toBe(first);
  });

  it("never remembers a bearer past its refresh point", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const record = (await world.vault.get<TokenRecord>(key))!;
    const dueAt = record.expiresAt! - refreshSkew(record, 60_000);
    // Two seconds before the refresh is due (well inside the cache time): read and remember.
    world.advance(dueAt - 2_000 - world.now());
    expect(await status(await read(http))).toBe(200);
    const before = world.fhir.requests.at(-1)!.headers.authorization!;
    // Past the refresh point, 2.5 s after that read: the token is refreshed anyway.
    world.advance(2_500);
    const grants = world.tokenGrants.length;
    expect(await status(await read(http))).toBe(200);
    expect(world.tokenGrants.slice(grants)).toEqual(["refresh_token"]);
    expect(world.fhir.requests.at(-1)!.headers.authorization).not.toBe(before);
  });
});
