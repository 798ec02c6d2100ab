import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import type { HttpClient } from "../peers/http-client.ts";
import { MemoryOAuthProvider } from "./_oauth-client.ts";
import {
  accounts,
  approveInBrowser,
  type IdentityWorld,
  pid,
  sameOrigin,
  startIdentityWorld,
} from "./_world.ts";

// The whole MCP authorization flow with the official SDK client's OAuth support, against
// the gateway on a real socket, the oidc-provider SMART server and the Medplum FHIR engine:
// 401 -> RFC 9728 discovery -> RFC 8414 -> dynamic registration -> sign-in -> tool calls.
let world: IdentityWorld;
const open: Client[] = [];
beforeAll(async () => {
  world = await startIdentityWorld();
});
afterAll(async () => {
  for (const c of open) await c.close().catch(() => {});
  await world?.close();
});

const redirect = "http://127.0.0.1:1/callback";

/** Connects an SDK client as a person: runs the OAuth flow in `browser` when needed. */
async function connectAs(
  provider: MemoryOAuthProvider,
  browser: HttpClient,
  account?: { username: string; password: string },
): Promise<Client> {
  const url = new URL(`${world.gateway}/mcp`);
  let transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  let client = new Client({ name: "identity-test", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    const back = await approveInBrowser(world, browser, provider.authorizationUrl!.href, account);
    expect(back.searchParams.get("iss")).toBe(world.gateway);
    await transport.finishAuth(back.searchParams.get("code")!);
    transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
    client = new Client({ name: "identity-test", version: "1.0.0" });
    await client.connect(transport);
  }
  open.push(client);
  return client;
}

function structured<T>(result: unknown): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`tool failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent as T;
}

/** Logs the person behind `client` in to the SMART platform through start_auth. */
async function platformLogin(client: Client, browser: HttpClient): Promise<void> {
  const started = structured<{ authorization_url: string; user_code: string }>(
    await client.callTool({ name: "start_auth", arguments: { platform_id: pid } }),
  );
  const confirm = await browser.fetch(started.authorization_url);
  expect(await confirm.text()).toContain(started.user_code);
  const posted = await browser.fetch(started.authorization_url, {
    method: "POST",
    headers: sameOrigin(world),
  });
  const { response } = await browser.follow(new URL(posted.headers.get("location")!));
  expect(response?.status).toBe(200);
}

const alice = { username: "alice", password: accounts.alice };
const bob = { username: "bob", password: accounts.bob };

describe("MCP authorization with the SDK client", () => {
  it("answers 401 with resource_metadata and scopes, and publishes both metadata documents", async () => {
    const res = await fetch(`${world.gateway}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(res.status).toBe(401);
    const challenge = res.headers.get("www-authenticate")!;
    expect(challenge).toContain(
      `resource_metadata="${world.gateway}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(challenge).toContain('scope="fhir.read fhir.write"');
    const prm = await (await fetch(`${world.gateway}/.well-known/oauth-protected-resource/mcp`))
      .json();
    expect(prm).toMatchObject({
      resource: `${world.gateway}/mcp`,
      authorization_servers: [world.gateway],
    });
    const as = await (await fetch(`${world.gateway}/.well-known/oauth-authorization-server`))
      .json();
    expect(as).toMatchObject({
      issuer: world.gateway,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      registration_endpoint: `${world.gateway}/oauth/register`,
    });
  });

  it("401 -> discovery -> registration -> sign-in -> tool call; a second session of the same person reaches the same platform login", async () => {
    const provider = new MemoryOAuthProvider(redirect, "alice's agent");
    const browser = world.browser();
    const first = await connectAs(provider, browser, alice);
    expect(provider.client?.client_id).toMatch(/^fgwc_/);
    expect(provider.saved?.access_token).toMatch(/^fgw_at_/);
    expect(provider.saved?.refresh_token).toMatch(/^fgw_rt_/);
    await platformLogin(first, browser);
    const read = structured<{ resource: { id: string } }>(
      await first.callTool({
        name: "read",
        arguments: { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID },
      }),
    );
    expect(read.resource.id).toBe(JOHNNIE_ID);

    // A new conversation: a new MCP session, another registration and sign-in are not needed,
    // and the platform login made in the first session is there.
    const second = await connectAs(provider, world.browser());
    const again = structured<{ resource: { id: string } }>(
      await second.callTool({
        name: "read",
        arguments: { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID },
      }),
    );
    expect(again.resource.id).toBe(JOHNNIE_ID);

    // Another client of the same person (new registration, signed in already in this browser).
    const other = new MemoryOAuthProvider(redirect, "alice's second agent");
    const third = await connectAs(other, browser);
    expect(other.client?.client_id).not.toBe(provider.client?.client_id);
    const status = structured<{ logins: Array<{ state: string }> }>(
      await third.callTool({ name: "get_auth_status", arguments: { platform_id: pid } }),
    );
    expect(status.logins[0]!.state).toBe("active");

    // Bob signs in as himself: he sees no login, and cannot read through Alice's.
    const bobs = await connectAs(
      new MemoryOAuthProvider(redirect, "bob's agent"),
      world.browser(),
      bob,
    );
    const bobStatus = structured<{ logins: Array<{ state: string }> }>(
      await bobs.callTool({ name: "get_auth_status", arguments: { platform_id: pid } }),
    );
    expect(bobStatus.logins[0]!.state).not.toBe("active");
    const bobRead = (await bobs.callTool({
      name: "read",
      arguments: { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID },
    })) as CallToolResult;
    expect(bobRead.isError).toBe(true);
  });

  it("an expired access token is renewed by the SDK with the rotating refresh token, without the person", async () => {
    const provider = new MemoryOAuthProvider(redirect, "long-lived agent");
    await connectAs(provider, world.browser(), alice);
    const before = { ...provider.saved! };
    world.advance(3601_000);
    const browser = world.browser();
    const client = await connectAs(provider, browser); // no account: a sign-in page would fail
    expect(provider.saved?.access_token).not.toBe(before.access_token);
    expect(provider.saved?.refresh_token).not.toBe(before.refresh_token);
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
  });

  it("a client whose registration is gone gets invalid_client and registers again", async () => {
    const provider = new MemoryOAuthProvider(redirect, "forgotten agent");
    const browser = world.browser();
    // Closed first: an open session's stream would start its own sign-in alongside.
    await (await connectAs(provider, browser, alice)).close();
    const first = provider.client!.client_id;
    // The registration ends (expired, or the store was reset) and so do the tokens.
    await world.vault.delete(`identity:client:${first}`);
    world.advance(3601_000);
    const client = await connectAs(provider, browser); // signed in already in this browser
    expect(provider.client?.client_id).toMatch(/^fgwc_/);
    expect(provider.client?.client_id).not.toBe(first);
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
  });
});
