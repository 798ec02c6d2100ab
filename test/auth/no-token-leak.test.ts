import { afterAll, beforeAll, expect, it } from "vitest";
import type { TokenRecord } from "../../src/auth/token-record.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type AuthWorld, clientSecret, pid, startAuthWorld } from "./_world.ts";

let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld({ confidential: true });
});
afterAll(async () => await world?.close());

it("never shows a token, code or secret in any response, header or log line", async () => {
  const http = world.client();
  const base = world.gateway;
  const secrets = new Set<string>([clientSecret]);
  const keep = async (key: string) => {
    const record = (await world.vault.get<TokenRecord>(key))!;
    secrets.add(record.accessToken);
    if (record.refreshToken) secrets.add(record.refreshToken);
  };

  const { url: callback } = await http.follow(`${base}/auth/${pid}/login`, {
    stopAt: `${base}/auth/callback`,
  });
  const code = new URL(callback).searchParams.get("code")!;
  secrets.add(code);
  const waiting = http.fetch(`${base}/auth/${pid}/wait?timeout=20`);
  expect((await http.fetch(callback)).status).toBe(200);
  expect((await waiting).status).toBe(200);
  const [key] = await world.vault.list("tokens:");
  await keep(key!);

  // Everything a caller can do with a login: status, FHIR calls, a refresh, a 401 retry.
  await http.fetch(`${base}/auth/status`);
  await http.fetch(`${base}/auth/${pid}/status`);
  expect((await http.fetch(`${base}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`)).status).toBe(200);
  world.advance(3600_000);
  expect((await http.fetch(`${base}/api/fhir/${pid}/Patient?_id=${JOHNNIE_ID}`)).status).toBe(200);
  await keep(key!);
  const record = (await world.vault.get<TokenRecord>(key!))!;
  await world.vault.put(key!, { ...record, accessToken: "refused-by-the-platform" });
  expect((await http.fetch(`${base}/api/fhir/${pid}/Observation?patient=${JOHNNIE_ID}`)).status)
    .toBe(200);
  await keep(key!);
  await http.fetch(`${base}/api/fhir/${pid}/NoSuchType`);
  await http.fetch(`${base}/auth/callback?${new URL(callback).searchParams}`); // replay
  expect((await http.fetch(`${base}/auth/${pid}/logout`, { method: "POST" })).status).toBe(200);
  await http.fetch(`${base}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);

  expect(secrets.size).toBeGreaterThanOrEqual(7); // secret, code, 3 access, 2+ refresh tokens
  expect(world.responses.length).toBeGreaterThanOrEqual(12);
  expect(world.logLines.length).toBeGreaterThan(5);
  const haystacks = [...world.responses, ...world.logLines];
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(15);
    const hits = haystacks.filter((h) => h.includes(secret));
    expect(hits.map((h) => h.slice(0, 300)), `a secret (${secret.length} chars) leaked`).toEqual(
      [],
    );
  }
});
