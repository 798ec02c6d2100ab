import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeysCommand } from "../../src/identity/api-keys-command.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import type { HttpClient } from "../peers/http-client.ts";
import {
  authorizeUrl,
  type IdentityWorld,
  pid,
  pkce,
  registerClient,
  sameOrigin,
  startIdentityWorld,
  tokenCall,
} from "./_world.ts";

// Gateway sign-in through the operator's OpenID provider (a second oidc-provider), and two
// people: each one's platform login serves all of their MCP sessions, REST calls and API
// keys, and never the other's.
let world: IdentityWorld;
const clients: Client[] = [];
beforeAll(async () => {
  world = await startIdentityWorld({ idp: true });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await world?.close();
});

interface Person {
  id: string;
  browser: HttpClient;
  token: string;
}

/** Signs `sub` in at the IdP through the gateway's pages; answers a gateway-wide token. */
async function signInWithIdp(sub: string): Promise<Person> {
  world.idp!.setAccount(sub);
  const browser = world.browser();
  const redirectUri = "http://127.0.0.1:1/cb";
  const clientId = await registerClient(world, redirectUri);
  const { verifier, challenge } = await pkce();
  const start = await browser.follow(
    authorizeUrl(world, {
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: challenge,
      resource: world.gateway,
    }),
  );
  const signin = await start.response!.text();
  expect(signin).toContain('data-outcome="signin"');
  const oidcLink = /id="oidc" href="([^"]+)"/.exec(signin)![1]!.replace(/&#38;/g, "&");
  // Through the provider (login approved there) and back to the consent page.
  const consent = await browser.follow(new URL(oidcLink, world.gateway));
  const html = await consent.response!.text();
  expect(html).toContain('data-outcome="consent"');
  const person = /id="person">([^<]+)</.exec(html)![1]!;
  const posted = await browser.fetch(consent.url, {
    method: "POST",
    headers: sameOrigin(world),
    body: new URLSearchParams({ action: "approve" }),
  });
  const back = new URL(posted.headers.get("location")!);
  const { body } = await tokenCall(world, {
    grant_type: "authorization_code",
    client_id: clientId,
    code: back.searchParams.get("code")!,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return { id: person, browser, token: body.access_token! };
}

async function mcpAs(bearer: string): Promise<Client> {
  const client = new Client({ name: "people-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${world.gateway}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    }),
  );
  clients.push(client);
  return client;
}

const readPatient = {
  name: "read",
  arguments: { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID },
};
const restPatient = (bearer: string) =>
  fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`, {
    headers: { authorization: `Bearer ${bearer}` },
  });

async function createKey(person: string): Promise<string> {
  const lines: string[] = [];
  const code = await apiKeysCommand(
    { positional: ["create"], options: { person, access: "read", platforms: pid } },
    { vault: world.vault, out: (l) => lines.push(l) },
  );
  expect(code).toBe(0);
  return lines.find((l) => l.startsWith("fgw_key_"))!;
}

describe("two people signed in through the operator's OpenID provider", () => {
  let alice: Person;
  let bob: Person;

  it("gives each person a stable id from the provider's issuer and subject", async () => {
    alice = await signInWithIdp("alice");
    bob = await signInWithIdp("bob");
    expect(alice.id).toMatch(/^user:[A-Za-z0-9_-]{12}:alice$/);
    expect(bob.id).toMatch(/^user:[A-Za-z0-9_-]{12}:bob$/);
    expect(alice.id.split(":")[1]).toBe(bob.id.split(":")[1]);
    // Signing in again gives the same id.
    expect((await signInWithIdp("alice")).id).toBe(alice.id);
  });

  it("a platform login made over MCP serves the person's REST calls, API keys and other sessions", async () => {
    const first = await mcpAs(alice.token);
    const started = (await first.callTool({ name: "start_auth", arguments: { platform_id: pid } }))
      .structuredContent as { authorization_url: string };
    const posted = await alice.browser.fetch(started.authorization_url, {
      method: "POST",
      headers: sameOrigin(world),
    });
    const done = await alice.browser.follow(new URL(posted.headers.get("location")!));
    expect(done.response?.status).toBe(200);
    await done.response?.body?.cancel();

    const r1 = await first.callTool(readPatient) as CallToolResult;
    expect(r1.isError, JSON.stringify(r1.content)).toBeFalsy();
    const rest = await restPatient(alice.token);
    expect(rest.status).toBe(200);
    expect((await rest.json()).id).toBe(JOHNNIE_ID);
    const key = await createKey(alice.id);
    expect((await restPatient(key)).status).toBe(200);
    const other = await mcpAs(key);
    expect((await other.callTool(readPatient) as CallToolResult).isError).toBeFalsy();

    // A gateway credential is never passed upstream: the platform sees its own token only.
    const upstream = world.fhir.requests.map((r) => String(r.headers.authorization ?? ""));
    expect(upstream.length).toBeGreaterThan(0);
    expect(upstream.some((a) => a.includes(alice.token) || a.includes(key) || a.includes("fgw_")))
      .toBe(false);

    // The connector pair (ChatGPT's search/fetch shapes) over the person's logins.
    const found =
      (await first.callTool({ name: "search_records", arguments: { query: "Hermiston" } }))
        .structuredContent as { results: Array<{ id: string; title: string; url: string }> };
    const hit = found.results.find((r) => r.id === `${pid}/Patient/${JOHNNIE_ID}`)!;
    expect(hit.url).toBe(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect(hit.title).toMatch(/^Patient /);
    const fetched = (await first.callTool({ name: "fetch", arguments: { id: hit.id } }))
      .structuredContent as { id: string; text: string; metadata: Record<string, string> };
    expect(fetched.id).toBe(hit.id);
    expect(JSON.parse(fetched.text).id).toBe(JOHNNIE_ID);
    expect(fetched.metadata).toEqual({ platform: pid, resourceType: "Patient" });
    const bad = await first.callTool({
      name: "fetch",
      arguments: { id: "../../etc/passwd" },
    }) as CallToolResult;
    expect(bad.isError).toBe(true);
  });

  it("the other person reaches none of it, over REST, MCP or an API key", async () => {
    const rest = await restPatient(bob.token);
    expect(rest.status).toBe(401);
    expect(JSON.stringify(await rest.json())).not.toContain(JOHNNIE_ID);
    expect((await restPatient(await createKey(bob.id))).status).toBe(401);
    const session = await mcpAs(bob.token);
    const read = await session.callTool(readPatient) as CallToolResult;
    expect(read.isError).toBe(true);
    const status =
      (await session.callTool({ name: "get_auth_status", arguments: { platform_id: pid } }))
        .structuredContent as { logins: Array<{ state: string }> };
    expect(status.logins[0]!.state).not.toBe("active");
    const found =
      (await session.callTool({ name: "search_records", arguments: { query: "Hermiston" } }))
        .structuredContent as { results: unknown[] };
    expect(found.results).toEqual([]);
    // Bob logging out of the platform does not touch Alice's login.
    await session.callTool({ name: "revoke_auth", arguments: { platform_id: pid } });
    expect((await restPatient(alice.token)).status).toBe(200);
  });
});

describe("sign-in and key management refuse bad input", () => {
  it("an OpenID callback with an unknown state, or an error from the provider, signs nobody in", async () => {
    for (const q of ["code=abc&state=never-issued", "error=access_denied&state=x", ""]) {
      const res = await fetch(`${world.gateway}/signin/oidc/callback?${q}`, { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toContain('data-outcome="authorize_error"');
    }
  });

  it("the API key commands refuse a malformed person or access, and an unknown key id", async () => {
    const lines: string[] = [];
    const io = { vault: world.vault, out: (l: string) => lines.push(l) };
    const run = (positional: string[], options: Record<string, string> = {}) =>
      apiKeysCommand({ positional, options }, io);
    expect(await run(["create"], { person: "alice" })).toBe(2);
    expect(await run(["create"], { person: "user:local:alice", access: "admin" })).toBe(2);
    expect(await run(["revoke", "0123456789abcdef"])).toBe(1);
    expect(await run(["revoke", "../../x"])).toBe(1);
    expect(await run(["nonsense"])).toBe(2);
    expect(lines.join("\n")).not.toContain("fgw_key_");
    // A listed key shows its scope, never the key or its hash.
    expect(await run(["create"], { person: "user:local:carol", platforms: pid })).toBe(0);
    const key = lines.find((l) => l.startsWith("fgw_key_"))!;
    lines.length = 0;
    expect(await run(["list"], { person: "user:local:carol" })).toBe(0);
    expect(lines.join("\n")).toContain(`read, platforms ${pid}`);
    expect(lines.join("\n")).not.toContain(key.slice(-43));
  });
});
