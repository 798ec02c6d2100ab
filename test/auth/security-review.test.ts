import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeOAuthError } from "../../src/auth/_oauth-client.ts";
import { sameOriginPath } from "../../src/auth/start-login.ts";
import { createOriginGuard } from "../../src/mcp/origin-guard.ts";
import type { TokenRecord } from "../../src/auth/token-record.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { connectClient, ok } from "../mcp/_harness.ts";
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

describe("MCP origin guard", () => {
  const guard = createOriginGuard({ publicUrl: "https://gw.example.org" });
  const req = (host: string, origin?: string) =>
    new Request(`http://${host}/mcp`, { headers: { host, ...(origin ? { origin } : {}) } });

  it("refuses null, look-alike and userinfo origins and look-alike hosts", () => {
    for (
      const origin of [
        "null",
        "https://gw.example.org.evil.example",
        "https://gw.example.org@evil.example",
        "https://evil.example#gw.example.org",
        "http://localhost.evil.example",
        "file://",
      ]
    ) {
      expect(guard(req("gw.example.org", origin)), origin).toBeDefined();
    }
    for (const host of ["gw.example.org.evil.example", "evil.example", "localhost.evil.example"]) {
      expect(guard(req(host)), host).toBeDefined();
    }
    expect(guard(req("gw.example.org", "https://gw.example.org"))).toBeUndefined();
    expect(guard(req("GW.example.org"))).toBeUndefined();
  });
});

describe("no token in MCP answers or handle-named REST calls", () => {
  it("keeps tokens out of tool results, errors and /auth/status via X-Auth-Handle", async () => {
    const http = world.client();
    const before = new Set(await world.vault.list("tokens:"));
    expect((await login(world, http)).status).toBe(200);
    const [key] = (await world.vault.list("tokens:")).filter((k) => !before.has(k));
    const record = (await world.vault.get<TokenRecord>(key!))!;
    const secrets = [record.accessToken, record.refreshToken].filter((s): s is string => !!s);
    expect(secrets.length).toBe(2);

    const { client } = await connectClient(world.gateway, {
      headers: { cookie: http.jar.header(new URL(world.gateway))! },
    });
    const seen: string[] = [];
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      seen.push(JSON.stringify(result));
      return result;
    };
    try {
      await call("get_auth_status", {});
      await call("read", { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID });
      await call("search", { platform_id: pid, resource_type: "Observation", limit: 3 });
      await call("read", { platform_id: pid, resource_type: "Patient", id: "no-such-id" });
      const started = ok<{ auth_handle: string }>(await call("start_auth", { platform_id: pid }));
      const status = await fetch(`${world.gateway}/auth/status`, {
        headers: { "x-auth-handle": started.auth_handle },
      });
      seen.push(await status.text());
      expect(seen.at(-1)).toContain(pid);
    } finally {
      await client.close();
    }
    // The refresh path too: force one, then read again. An hour on, the idle MCP session has
    // ended, so a new one is opened with the same gateway session.
    world.advance(3600_000);
    const again = await connectClient(world.gateway, {
      headers: { cookie: http.jar.header(new URL(world.gateway))! },
    });
    try {
      const result = await again.client.callTool({
        name: "read",
        arguments: { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID },
      });
      seen.push(JSON.stringify(result));
    } finally {
      await again.client.close();
    }
    const after = (await world.vault.get<TokenRecord>(key!))!;
    secrets.push(after.accessToken, ...(after.refreshToken ? [after.refreshToken] : []));
    expect(new Set(secrets).size).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) {
      expect(seen.filter((s) => s.includes(secret)).map((s) => s.slice(0, 200))).toEqual([]);
      expect(world.logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
    expect(seen.join("\n")).toContain(JOHNNIE_ID);
  });
});

describe("callback page", () => {
  it("escapes every dynamic value and sends a CSP that allows no script, base, form or frame", async () => {
    const http = world.client();
    const answer = await http.fetch(
      `${world.gateway}/auth/callback?state=${encodeURIComponent('"><script>x</script>')}`,
    );
    expect(answer.status).toBe(400);
    const csp = answer.headers.get("content-security-policy")!;
    for (const part of ["default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(csp).toContain(part);
    }
    expect(csp).not.toContain("script-src");
    expect(await answer.text()).not.toContain("<script>");
  });
});
