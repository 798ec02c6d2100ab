import { afterAll, beforeAll, expect, it } from "vitest";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { type AuthWorld, login, pid, startAuthWorld } from "./_world.ts";

// Issue 9 "audit events": one structured line per login, refresh and revocation, with a
// truncated session tag and never a token or a session id (these lines were missing).
let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => await world?.close());

type Line = Record<string, string | number>;
const lines = () => world.auditLines.map((l) => JSON.parse(l) as Line);
const of = (action: string) => lines().filter((l) => l.action === action);

it("records login start and completion, refresh and logout, each with the session tag", async () => {
  const http = world.client();
  await login(world, http);
  const logins = of("login");
  expect(logins.map((l) => `${l.stage}:${l.outcome}`)).toEqual([
    "start:success",
    "complete:success",
  ]);
  const tag = logins[0]!.session as string;
  expect(tag).toMatch(/^[0-9a-f]{12}$/);
  expect(logins[1]!.session).toBe(tag);
  expect(logins[0]!.platform).toBe(pid);

  world.advance(3600_000);
  const found = await http.fetch(`${world.gateway}/api/fhir/${pid}/Patient?_id=${JOHNNIE_ID}`);
  expect(found.status).toBe(200);
  expect(of("refresh")).toEqual([expect.objectContaining({ outcome: "success", session: tag })]);
  expect(of("fhir").some((l) => l.session === tag && l.status === 200)).toBe(true);

  const out = await http.fetch(`${world.gateway}/auth/${pid}/logout`, {
    method: "POST",
    headers: { origin: world.gateway },
  });
  expect(out.status).toBe(200);
  expect(of("revocation")).toEqual([
    expect.objectContaining({ reason: "logout", outcome: "success", session: tag }),
  ]);

  // Nothing secret: no JWT (tokens are JWTs here), no query value (the searched id).
  const all = world.auditLines.join("\n");
  expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  expect(all).not.toContain(JOHNNIE_ID);
});
