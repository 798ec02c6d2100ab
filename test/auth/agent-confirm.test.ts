import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64Url } from "../../src/store/_bytes.ts";
import {
  type AuthWorld,
  confirmAgentLogin,
  pid,
  sameOriginForm,
  startAuthWorld,
} from "./_world.ts";

// Agent-started logins go through the gateway's confirm page (user code) before the platform.
// A real oidc-provider SMART server and Medplum engine; the platform's name is hostile HTML.
const hostileName = `SMART <img src=x onerror="alert(1)"> & 'Co'`;
let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld({ platformName: hostileName });
});
afterAll(async () => {
  await world?.close();
});

const owner = "session:agent-confirm-owner";
const outcomeOf = (html: string) => /data-outcome="([^"]*)"/.exec(html)?.[1];

async function get(url: string) {
  const response = await fetch(url);
  return { response, html: await response.text() };
}

async function post(url: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", headers, redirect: "manual" });
  return { response, html: await response.text() };
}

describe("agent login confirm page", () => {
  it("shows the code and the escaped platform name, never the platform URL, under a no-script CSP", async () => {
    const started = await world.auth.startLogin(owner, pid);
    expect(started.authorizationUrl).toMatch(
      new RegExp(`^${world.gateway}/auth/confirm/[A-Za-z0-9_-]{43}$`),
    );
    expect(started.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);

    const { response, html } = await get(started.authorizationUrl);
    expect(response.status).toBe(200);
    expect(outcomeOf(html)).toBe("confirm");
    expect(html).toContain(`id="user-code">${started.userCode}<`);
    expect(html).toContain("Continue only if your own agent shows this code");
    expect(html).toContain(
      "SMART &#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; &#39;Co&#39;",
    );
    expect(html).not.toContain("<img");
    expect(html).toMatch(/<form method="post"><button type="submit">Continue to /);
    // The state and PKCE challenge stay in the vault until the user presses Continue.
    expect(html).not.toMatch(/state=|code_challenge|\/auth\?/);
    expect(html).not.toContain(world.smart.issuer);

    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src/);
    expect(csp).toContain(`form-action 'self' ${new URL(world.smart.issuer).origin};`);
    expect(csp).toContain("frame-ancestors 'none'");
    // Same-origin referrer: the form's POST carries the real Origin, not "null".
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("cache-control")).toBe("no-store");

    // The store holds the id only hashed.
    const id = started.authorizationUrl.split("/").at(-1)!;
    const keys = await world.store.list("login-confirm:");
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes(id))).toBe(false);
  });

  it("answers a 404 page for an unknown id and for an expired link", async () => {
    const unknown = `${world.gateway}/auth/confirm/${toBase64Url(new Uint8Array(32).fill(7))}`;
    for (const attempt of [await get(unknown), await post(unknown, sameOriginForm(world))]) {
      expect(attempt.response.status).toBe(404);
      expect(attempt.response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(outcomeOf(attempt.html)).toBe("expired_confirmation");
      expect(attempt.html).toContain("call start_auth again");
    }
  });

  it("continues to the platform once: a second POST gets the expired page", async () => {
    const started = await world.auth.startLogin(owner, pid);
    const first = await post(started.authorizationUrl, sameOriginForm(world));
    expect(first.response.status).toBe(303);
    const location = first.response.headers.get("location")!;
    const endpoint = new URL(location);
    expect(endpoint.origin).toBe(new URL(world.smart.issuer).origin);
    expect(endpoint.searchParams.get("state")).toMatch(/.{20,}/);
    expect(endpoint.searchParams.get("redirect_uri")).toBe(`${world.gateway}/auth/callback`);
    expect(first.response.headers.get("referrer-policy")).toBe("no-referrer");

    const again = await post(started.authorizationUrl, sameOriginForm(world));
    expect(again.response.status).toBe(404);
    expect(outcomeOf(again.html)).toBe("expired_confirmation");
    expect((await get(started.authorizationUrl)).response.status).toBe(404);
  });

  it("refuses a cross-site POST with 403 and leaves the link usable", async () => {
    const started = await world.auth.startLogin(owner, pid);
    const attempts: Array<Record<string, string>> = [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: world.gateway },
      { origin: "null" },
      { origin: world.gateway, "sec-fetch-site": "cross-site" },
    ];
    for (const headers of attempts) {
      const refused = await post(started.authorizationUrl, headers);
      expect(refused.response.status, JSON.stringify(headers)).toBe(403);
      expect(outcomeOf(refused.html)).toBe("cross_site");
    }
    const page = await get(started.authorizationUrl);
    expect(page.response.status).toBe(200);
    expect(page.html).toContain(started.userCode!);
    const own = await post(started.authorizationUrl, sameOriginForm(world));
    expect(own.response.status).toBe(303);
  });

  it("lets a browser finish the login for the agent's owner after confirming", async () => {
    const agent = "session:agent-confirm-finish";
    const started = await world.auth.startLogin(agent, pid);
    const browser = world.client();
    const { response } = await confirmAgentLogin(
      world,
      browser,
      started.authorizationUrl,
      started.userCode!,
    );
    const html = (await response?.text()) ?? "";
    expect(response?.status, html).toBe(200);
    expect(outcomeOf(html)).toBe("success");
    expect(await world.auth.status(agent, pid)).toMatchObject([{ state: "active" }]);
  });

  it("leaves browser logins unchanged: straight to the platform, no code", async () => {
    const started = await world.auth.startLogin(owner, pid, { bindToSession: true });
    expect(started.authorizationUrl.startsWith(world.smart.issuer)).toBe(true);
    expect(started.userCode).toBeUndefined();
    const http = world.client();
    const login = await http.fetch(`${world.gateway}/auth/${pid}/login`);
    expect(login.status).toBe(302);
    expect(login.headers.get("location")!.startsWith(world.smart.issuer)).toBe(true);
    await login.body?.cancel();
  });

  it("expires the link with the login window", async () => {
    const started = await world.auth.startLogin(owner, pid);
    expect((await get(started.authorizationUrl)).response.status).toBe(200);
    world.advance(11 * 60 * 1000);
    const late = await get(started.authorizationUrl);
    expect(late.response.status).toBe(404);
    expect(outcomeOf(late.html)).toBe("expired_confirmation");
    expect((await post(started.authorizationUrl, sameOriginForm(world))).response.status).toBe(404);
  });
});
