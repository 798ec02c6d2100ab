import { afterAll, beforeAll, expect, it } from "vitest";
import { type AuthWorld, login, pid, startAuthWorld } from "./_world.ts";

// Issue 9 item 9: 500 anonymous GET /auth/{p}/login left 1,500 keys in Redis for 8 hours (a
// session per call). A session made for a login start now lives only for the login window
// unless the login completes.
let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => await world?.close());

const keys = async () => ({
  sessions: (await world.vault.list("session:")).length,
  states: (await world.vault.list("oauth-state:")).length,
});

it("anonymous login starts leave nothing behind once the login window has passed", async () => {
  const before = await keys();
  for (let i = 0; i < 15; i++) {
    const res = await world.client().fetch(`${world.gateway}/auth/${pid}/login`, {
      redirect: "manual",
    });
    expect(res.status).toBe(302);
  }
  const during = await keys();
  expect(during.sessions - before.sessions).toBe(15);
  world.advance(11 * 60_000);
  const after = await keys();
  expect(after.sessions).toBe(before.sessions);
  expect(after.states).toBe(before.states);
});

it("a completed login keeps its browser session for the idle time", async () => {
  const http = world.client();
  await login(world, http);
  world.advance(30 * 60_000);
  const status = await http.fetch(`${world.gateway}/auth/${pid}/status`);
  const body = await status.json();
  expect(body, JSON.stringify(body)).toMatchObject({ state: "active" });
});

it("refuses a cross-site logout and keeps the login", async () => {
  const http = world.client();
  await login(world, http);
  const refused = await http.fetch(`${world.gateway}/auth/${pid}/logout`, {
    method: "POST",
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  });
  expect(refused.status).toBe(403);
  const status = await http.fetch(`${world.gateway}/auth/${pid}/status`);
  expect(await status.json()).toMatchObject({ state: "active" });
});
