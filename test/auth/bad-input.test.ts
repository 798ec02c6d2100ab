import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthStatus } from "../../src/auth/types.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import type { HttpClient } from "../peers/http-client.ts";
import {
  type AuthWorld,
  confirmAgentLogin,
  login,
  loginKey,
  pid,
  startAuthWorld,
} from "./_world.ts";

let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => await world?.close());

/** Starts a login and stops where the platform sends the browser back (not fetched). */
async function startAndApprove(http: HttpClient, query = ""): Promise<string> {
  const { url } = await http.follow(`${world.gateway}/auth/${pid}/login${query}`, {
    stopAt: `${world.gateway}/auth/callback`,
  });
  return url;
}

/** Starts a login and answers its `state`, without visiting the platform. */
async function startOnly(http: HttpClient): Promise<string> {
  const response = await http.fetch(`${world.gateway}/auth/${pid}/login`);
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location")!).searchParams.get("state")!;
}

async function status(http: HttpClient): Promise<AuthStatus> {
  const response = await http.fetch(`${world.gateway}/auth/${pid}/status`);
  expect(response.status).toBe(200);
  return await response.json() as AuthStatus;
}

async function page(http: HttpClient, url: string): Promise<{ status: number; html: string }> {
  const response = await http.fetch(url);
  expect(response.headers.get("content-type")).toContain("text/html");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  return { status: response.status, html: await response.text() };
}

const outcomeOf = (html: string) => /data-outcome="([^"]+)"/.exec(html)?.[1];

describe("the callback refuses bad input and loses nothing stored", () => {
  it("answers expired_state for a forged state and keeps the existing login", async () => {
    const http = world.client();
    expect((await login(world, http)).status).toBe(200);
    const forged = `${world.gateway}/auth/callback?code=abc&state=forged-state&iss=${
      encodeURIComponent(world.smart.issuer)
    }`;
    const answer = await page(http, forged);
    expect(answer.status).toBe(400);
    expect(outcomeOf(answer.html)).toBe("expired_state");
    expect(answer.html).toContain("unknown, expired or already used");
    expect(await status(http)).toMatchObject({ state: "active", authenticated: true });
  });

  it("answers expired_state for a replayed callback; the first login stays", async () => {
    const http = world.client();
    const callback = await startAndApprove(http);
    expect((await page(http, callback)).status).toBe(200);
    const before = await world.vault.list("tokens:");
    const replay = await page(http, callback);
    expect(replay.status).toBe(400);
    expect(outcomeOf(replay.html)).toBe("expired_state");
    expect(await world.vault.list("tokens:")).toEqual(before);
    expect(await status(http)).toMatchObject({ state: "active" });
  });

  it("answers expired_state when the login took longer than ten minutes", async () => {
    const http = world.client();
    const callback = await startAndApprove(http);
    expect(await status(http)).toMatchObject({ state: "pending" });
    world.advance(11 * 60_000);
    const late = await page(http, callback);
    expect(late.status).toBe(400);
    expect(outcomeOf(late.html)).toBe("expired_state");
    expect(await status(http)).toMatchObject({ state: "none" });
  });

  it("shows a denied page for error=access_denied, and /wait hears about it", async () => {
    const http = world.client();
    const state = await startOnly(http);
    const waiting = http.fetch(`${world.gateway}/auth/${pid}/wait?timeout=20`);
    await new Promise((r) => setTimeout(r, 50));
    const denied = await page(
      http,
      `${world.gateway}/auth/callback?error=access_denied&state=${state}&iss=${
        encodeURIComponent(world.smart.issuer)
      }`,
    );
    expect(denied.status).toBe(400);
    expect(outcomeOf(denied.html)).toBe("denied");
    expect(denied.html).toContain("was denied");
    const waited = await (await waiting).json() as AuthStatus;
    expect(waited).toMatchObject({ state: "none", authenticated: false });
    expect(waited.reason).toContain("denied");
  });

  it("escapes what the platform sends back instead of echoing it", async () => {
    const http = world.client();
    const state = await startOnly(http);
    const evil = "<script>alert(1)</script>";
    const answer = await page(
      http,
      `${world.gateway}/auth/callback?error=${encodeURIComponent(evil)}&state=${state}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.html).not.toContain("<script>");
    expect(answer.html).toContain("&#60;script&#62;");
  });

  it("refuses a callback from another session without burning the state", async () => {
    const owner = world.client();
    const intruder = world.client();
    const callback = await startAndApprove(owner);
    const stolen = await page(intruder, callback);
    expect(stolen.status).toBe(403);
    expect(outcomeOf(stolen.html)).toBe("session_mismatch");
    expect(await status(intruder)).toMatchObject({ state: "none" });
    const own = await page(owner, callback);
    expect(own.status).toBe(200);
    expect(await status(owner)).toMatchObject({ state: "active" });
  });

  it("lets any browser finish a login started without a browser (MCP), for its owner only", async () => {
    const agent = await world.auth.startLogin("session:agent-owner", pid);
    const browser = world.client(); // no gateway session at all
    const { url } = await confirmAgentLogin(
      world,
      browser,
      agent.authorizationUrl,
      agent.userCode!,
      {
        stopAt: `${world.gateway}/auth/callback`,
      },
    );
    const done = await page(browser, url);
    expect(done.status).toBe(200);
    expect(outcomeOf(done.html)).toBe("success");
    expect(await world.auth.status("session:agent-owner", pid)).toMatchObject([{
      state: "active",
    }]);
    expect(await status(browser)).toMatchObject({ state: "none" });
    expect(browser.jar.names(new URL(world.gateway))).not.toContain("fhir_gateway_session");
  });

  it("answers 400 for a return_to off this gateway, and returns to a path of it", async () => {
    const http = world.client();
    const off = await http.fetch(
      `${world.gateway}/auth/${pid}/login?return_to=${encodeURIComponent("https://evil.example/")}`,
    );
    expect(off.status).toBe(400);
    expect(JSON.stringify(await off.json())).toContain("return_to must be a path on this gateway");
    const callback = await startAndApprove(http, "?return_to=%2Fauth%2Fstatus");
    const back = await http.fetch(callback);
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/auth/status");
  });
});

describe("sealed values that do not open", () => {
  it("answers a clear 500 for tampered tokens and keeps the bytes; restored, it works", async () => {
    const http = world.client();
    const key = await loginKey(world, http);
    const search = () => http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect((await search()).status).toBe(200);
    const original = (await world.store.get(key))!;
    const tampered = original.slice();
    tampered[tampered.length - 1]! ^= 1;
    await world.store.set(key, tampered);
    world.lapseCaches(); // changed behind the gateway's back: read once its caches lapse
    const answer = await search();
    expect(answer.status).toBe(500);
    expect(await answer.text()).toContain("could not be opened with the configured master keys");
    expect(await world.store.get(key)).toEqual(tampered);
    await world.store.set(key, original);
    expect((await search()).status).toBe(200);
  });

  it("treats a tampered session as no session, leaving it stored", async () => {
    const http = world.client();
    expect((await login(world, http)).status).toBe(200);
    const sessions = await world.store.list("session:");
    const originals = new Map<string, Uint8Array>();
    for (const k of sessions) {
      const bytes = (await world.store.get(k))!;
      originals.set(k, bytes);
      const tampered = bytes.slice();
      tampered[tampered.length - 1]! ^= 1;
      await world.store.set(k, tampered);
    }
    world.lapseCaches();
    const answer = await http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect(answer.status).toBe(401);
    expect(await world.store.list("session:")).toEqual(sessions);
    for (const [k, bytes] of originals) await world.store.set(k, bytes);
    expect(await status(http)).toMatchObject({ state: "active" });
  });
});

describe("/wait", () => {
  it("wakes when another instance handles the callback", async () => {
    const http = world.client();
    const callback = await startAndApprove(http);
    const other = world.otherInstance();
    const started = Date.now();
    const waiting = http.fetch(`${world.gateway}/auth/${pid}/wait?timeout=30`);
    await new Promise((r) => setTimeout(r, 50));
    const cookie = http.jar.header(new URL(callback))!;
    const done = await other.request(callback, { headers: { cookie } });
    expect(done.status).toBe(200);
    const waited = await (await waiting).json() as AuthStatus;
    expect(waited).toMatchObject({ state: "active", authenticated: true, patient: JOHNNIE_ID });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("answers the current status at once with timeout=0, and refuses a bad timeout", async () => {
    const http = world.client();
    await startOnly(http);
    const now = await http.fetch(`${world.gateway}/auth/${pid}/wait?timeout=0`);
    expect(await now.json()).toMatchObject({ state: "pending" });
    const bad = await http.fetch(`${world.gateway}/auth/${pid}/wait?timeout=soon`);
    expect(bad.status).toBe(400);
  });

  it("answers 404 with a hint for an unknown platform", async () => {
    const http = world.client();
    const answer = await http.fetch(`${world.gateway}/auth/no-such-platform/login`);
    expect(answer.status).toBe(404);
    expect(JSON.stringify(await answer.json())).toContain("GET /api/platforms");
  });
});
