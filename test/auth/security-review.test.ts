import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeOAuthError } from "../../src/auth/_oauth-client.ts";
import { sameOriginPath } from "../../src/auth/start-login.ts";
import { type AuthWorld, login, pid, startAuthWorld } from "./_world.ts";

let world: AuthWorld;
beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => await world?.close());

const origin = "https://gw.example";
// Each resolves to a path starting with "//": as a Location, a protocol-relative URL.
const offsite = [
  "/.//evil.example",
  "/%2e//evil.example",
  "/a/..//evil.example",
  `${origin}//evil.example`,
  "//evil.example",
  "/\\evil.example",
  "/\t/evil.example",
  "https://evil.example/",
];

describe("return_to", () => {
  it("refuses every value that would send the browser off the gateway", () => {
    for (const value of offsite) {
      expect(() => sameOriginPath(value, origin), value).toThrow(/return_to must be a path/);
    }
    expect(sameOriginPath("/auth/status?x=1#y", origin)).toBe("/auth/status?x=1#y");
    expect(sameOriginPath(`${origin}/a/../b`, origin)).toBe("/b");
  });

  it("answers 400 at /login for a dot-segment path that resolves to //host", async () => {
    const http = world.client();
    const answer = await http.fetch(
      `${world.gateway}/auth/${pid}/login?return_to=${encodeURIComponent("/.//evil.example")}`,
    );
    expect(answer.status).toBe(400);
    expect(answer.headers.get("location")).toBeNull();
  });
});

describe("token endpoint errors", () => {
  const as: oauth.AuthorizationServer = { issuer: origin, token_endpoint: `${origin}/token` };
  const client: oauth.Client = { client_id: "c" };
  const failure = async (body: Record<string, unknown>) => {
    const response = new Response(JSON.stringify(body), {
      status: 400,
      headers: { "content-type": "application/json" },
    });
    return await oauth.processRefreshTokenResponse(as, client, response).then(
      () => undefined,
      (err: unknown) => err,
    );
  };

  it("names a standard error code and never echoes a non-standard one", async () => {
    expect(describeOAuthError(await failure({ error: "invalid_grant" })))
      .toBe('the platform answered "invalid_grant"');
    const echoed = "rt-0123456789abcdefXYZ";
    for (const error of [echoed, `invalid_grant ${echoed}`, `<b>${echoed}</b>`]) {
      const why = describeOAuthError(await failure({ error }));
      expect(why).not.toContain(echoed);
      expect(why).toContain("non-standard error");
    }
  });
});

describe("session fixation", () => {
  it("a login completed in a browser rotates the session id: a planted cookie gains nothing", async () => {
    const url = new URL(world.gateway);
    const attacker = world.client();
    const planted = await attacker.fetch(`${world.gateway}/auth/${pid}/login`);
    expect(planted.status).toBe(302);
    const cookie = attacker.jar.header(url)!;
    expect(cookie).toMatch(/^fhir_gateway_session=/);

    // The victim's browser carries the attacker's session cookie, then logs in.
    const victim = world.client();
    victim.jar.store(url, [`${cookie}; Path=/; HttpOnly; SameSite=Lax`]);
    const page = await login(world, victim);
    expect(page.status, page.html).toBe(200);
    expect(victim.jar.header(url)).not.toBe(cookie);

    const own = await victim.fetch(`${world.gateway}/auth/${pid}/status`);
    expect(await own.json()).toMatchObject({ state: "active" });
    const stolen = await attacker.fetch(`${world.gateway}/auth/${pid}/status`);
    expect(await stolen.json()).toMatchObject({ state: "none", authenticated: false });
    const read = await attacker.fetch(`${world.gateway}/api/fhir/${pid}/Patient`);
    expect(read.status).toBe(401);
  });
});
