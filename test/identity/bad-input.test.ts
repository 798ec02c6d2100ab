import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeyService } from "../../src/identity/api-keys.ts";
import {
  accounts,
  approveInBrowser,
  authorizeUrl,
  type IdentityWorld,
  pkce,
  registerClient,
  sameOrigin,
  signInTokens,
  startIdentityWorld,
  tokenCall,
} from "./_world.ts";
import { initializeMessage } from "../mcp/_messages.ts";

// Hostile and broken credentials against the protected gateway on a real socket: each is a
// clear 4xx (never a 500), and nothing reaches a platform.
let world: IdentityWorld;
const alice = { username: "alice", password: accounts.alice };
const bob = { username: "bob", password: accounts.bob };
beforeAll(async () => {
  world = await startIdentityWorld({ env: { FHIR_GATEWAY_API_KEY_RATE_PER_MINUTE: "8" } });
});
afterAll(async () => {
  await world?.close();
});

const initialize = initializeMessage;

function mcpPost(
  bearer: string | undefined,
  body: unknown = initialize,
  extra: Record<string, string> = {},
) {
  return fetch(`${world.gateway}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...extra,
    },
    body: JSON.stringify(body),
  });
}

function rest(bearer: string | undefined, path = "/api/platforms", init: RequestInit = {}) {
  return fetch(`${world.gateway}${path}`, {
    ...init,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...init.headers },
  });
}

async function status(res: Response): Promise<number> {
  const text = await res.text();
  if (res.status >= 500) throw new Error(`unexpected ${res.status}: ${text}`);
  return res.status;
}

describe("gateway tokens", () => {
  it("binds the resource: an /mcp token is refused on REST, a gateway token serves both", async () => {
    const { tokens } = await signInTokens(world, alice);
    const mcpOnly = tokens.access_token!;
    expect(await status(await mcpPost(mcpOnly))).toBe(200);
    const refused = await rest(mcpOnly);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(refused.headers.get("www-authenticate")).toContain(
      `resource_metadata="${world.gateway}/.well-known/oauth-protected-resource"`,
    );
    await refused.body?.cancel();

    const whole = (await signInTokens(world, alice, { resource: world.gateway })).tokens;
    expect(await status(await rest(whole.access_token))).toBe(200);
    expect(await status(await mcpPost(whole.access_token))).toBe(200);
  });

  it("refuses a resource that is not this gateway, at authorize and at the token endpoint", async () => {
    const redirectUri = "http://127.0.0.1:1/cb";
    const clientId = await registerClient(world, redirectUri);
    const { challenge } = await pkce();
    const res = await fetch(
      authorizeUrl(world, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        resource: "https://elsewhere.example/mcp",
        state: "s1",
      }),
      { redirect: "manual" },
    );
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get("location")!);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get("error")).toBe("invalid_target");
    expect(back.searchParams.get("state")).toBe("s1");
  });

  it("an expired access token is refused (injected clock); the refresh token still renews", async () => {
    const { tokens, clientId } = await signInTokens(world, alice);
    expect(await status(await mcpPost(tokens.access_token))).toBe(200);
    world.advance(3601_000);
    const expired = await mcpPost(tokens.access_token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toContain('error="invalid_token"');
    await expired.body?.cancel();
    const renewed = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(await status(await mcpPost(renewed.body.access_token))).toBe(200);
  });

  it("rotates refresh tokens: reusing a rotated one after the grace period is refused and ends the whole grant", async () => {
    const { tokens, clientId } = await signInTokens(world, alice);
    const first = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    });
    expect(first.status).toBe(200);
    // Within 30 s a repeat is a client's own concurrent refresh; later it is a stolen copy.
    world.advance(31_000);
    const replay = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // The thief's replay ended the grant: the newest tokens stop working too.
    expect(await status(await mcpPost(first.body.access_token))).toBe(401);
    const after = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: first.body.refresh_token!,
    });
    expect(after.body.error).toBe("invalid_grant");
  });

  it("two concurrent refreshes with one token (a client's parallel requests) both succeed", async () => {
    const { tokens, clientId } = await signInTokens(world, alice);
    const form = {
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    };
    const [a, b] = await Promise.all([tokenCall(world, form), tokenCall(world, form)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.access_token).not.toBe(b.body.access_token);
    expect(await status(await mcpPost(a.body.access_token))).toBe(200);
    expect(await status(await mcpPost(b.body.access_token))).toBe(200);
  });

  it("a code presented a second time is refused and revokes the tokens it gave", async () => {
    const redirectUri = "http://127.0.0.1:1/cb";
    const clientId = await registerClient(world, redirectUri);
    const { verifier, challenge } = await pkce();
    const back = await approveInBrowser(
      world,
      world.browser(),
      authorizeUrl(world, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
      }),
      alice,
    );
    const form = {
      grant_type: "authorization_code",
      client_id: clientId,
      code: back.searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    };
    const first = await tokenCall(world, form);
    expect(first.status).toBe(200);
    expect(await status(await mcpPost(first.body.access_token))).toBe(200);
    const again = await tokenCall(world, form);
    expect(again.body.error).toBe("invalid_grant");
    expect(await status(await mcpPost(first.body.access_token))).toBe(401);
  });

  it("a refresh token of another client is refused", async () => {
    const { tokens } = await signInTokens(world, alice);
    const otherClient = await registerClient(world, "http://127.0.0.1:1/other");
    const res = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: otherClient,
      refresh_token: tokens.refresh_token!,
    });
    expect(res.body.error).toBe("invalid_grant");
  });

  it("a revoked token (RFC 7009) is refused", async () => {
    const { tokens, clientId } = await signInTokens(world, alice);
    const revoked = await fetch(`${world.gateway}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token!, client_id: clientId }),
    });
    expect(revoked.status).toBe(200);
    expect(await status(await mcpPost(tokens.access_token))).toBe(401);
    const refresh = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: clientId,
      refresh_token: tokens.refresh_token!,
    });
    expect(refresh.body.error).toBe("invalid_grant");
  });

  it("tampered and forged tokens are refused", async () => {
    const { tokens } = await signInTokens(world, alice);
    const t = tokens.access_token!;
    const flipped = t.slice(0, -1) + (t.endsWith("A") ? "B" : "A");
    expect(await status(await mcpPost(flipped))).toBe(401);
    expect(await status(await mcpPost(`fgw_at_${"x".repeat(43)}`))).toBe(401);
    expect(await status(await mcpPost(tokens.refresh_token))).toBe(401);
    expect(await status(await mcpPost("not-a-gateway-token"))).toBe(401);
    const basic = await fetch(`${world.gateway}/mcp`, {
      method: "POST",
      headers: { authorization: "Basic YTpi", "content-type": "application/json" },
      body: JSON.stringify(initialize),
    });
    expect(await status(basic)).toBe(401);
  });

  it("never accepts a token in the query string, even a valid one", async () => {
    const { tokens } = await signInTokens(world, alice, { resource: world.gateway });
    const q = `access_token=${encodeURIComponent(tokens.access_token!)}`;
    const viaMcp = await fetch(`${world.gateway}/mcp?${q}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(initialize),
    });
    expect(await status(viaMcp)).toBe(400);
    expect(await status(await fetch(`${world.gateway}/api/platforms?${q}`))).toBe(400);
    // Not even alongside a good header.
    expect(await status(await rest(tokens.access_token, `/api/platforms?${q}`))).toBe(400);
  });

  it("a read-only token gets 403 insufficient_scope for a write tool (step-up)", async () => {
    const { tokens } = await signInTokens(world, alice, { scope: "fhir.read" });
    expect(tokens.scope).toBe("fhir.read");
    const opened = await mcpPost(tokens.access_token);
    const sid = opened.headers.get("mcp-session-id")!;
    await opened.body?.cancel();
    const write = await mcpPost(tokens.access_token, {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "create", arguments: { platform_id: "smart-test", resource: {} } },
    }, { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
    expect(write.status).toBe(403);
    const challenge = write.headers.get("www-authenticate")!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="fhir.read fhir.write"');
    await write.body?.cancel();
  });

  it("another person's token cannot use an MCP session (answers 404 like an unknown one)", async () => {
    const a = (await signInTokens(world, alice)).tokens.access_token!;
    const b = (await signInTokens(world, bob)).tokens.access_token!;
    const opened = await mcpPost(a);
    const sid = opened.headers.get("mcp-session-id")!;
    await opened.body?.cancel();
    const list = { jsonrpc: "2.0", id: 3, method: "tools/list" };
    const headers = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
    expect(await status(await mcpPost(b, list, headers))).toBe(404);
    expect(await status(await mcpPost(a, list, headers))).toBe(200);
  });

  it("answers 401 with the gateway's metadata URL to a REST call without credentials", async () => {
    const res = await rest(undefined);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${world.gateway}/.well-known/oauth-protected-resource", scope="fhir.read fhir.write"`,
    );
    expect((await res.json()).resourceType).toBe("OperationOutcome");
  });
});

describe("authorization requests", () => {
  it("an unregistered redirect URI gets a page, never a redirect", async () => {
    const clientId = await registerClient(world, "http://127.0.0.1:1/cb");
    const { challenge } = await pkce();
    for (
      const redirect of [
        "https://evil.example/cb",
        "http://127.0.0.1:1/cb/../x",
        "http://127.0.0.1:1/cb2",
      ]
    ) {
      const res = await fetch(
        authorizeUrl(world, {
          client_id: clientId,
          redirect_uri: redirect,
          code_challenge: challenge,
        }),
        { redirect: "manual" },
      );
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("redirect_uri");
    }
  });

  it("an unknown client gets invalid_client (so it registers again), at authorize and token", async () => {
    const { challenge } = await pkce();
    const res = await fetch(
      authorizeUrl(world, {
        client_id: `fgwc_${"A".repeat(43)}`,
        redirect_uri: "http://127.0.0.1:1/cb",
        code_challenge: challenge,
      }),
      { redirect: "manual" },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("Register it again");
    const token = await tokenCall(world, {
      grant_type: "refresh_token",
      client_id: "nobody",
      refresh_token: "fgw_rt_x",
    });
    expect(token).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("requires PKCE S256, the right verifier, and a code used once", async () => {
    const redirectUri = "http://127.0.0.1:1/cb";
    const clientId = await registerClient(world, redirectUri);
    const plain = await fetch(
      authorizeUrl(world, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: "x".repeat(43),
        code_challenge_method: "plain",
      }),
      { redirect: "manual" },
    );
    expect(new URL(plain.headers.get("location")!).searchParams.get("error")).toBe(
      "invalid_request",
    );

    const { verifier, challenge } = await pkce();
    const back = await approveInBrowser(
      world,
      world.browser(),
      authorizeUrl(world, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
      }),
      alice,
    );
    const code = back.searchParams.get("code")!;
    const wrong = await tokenCall(world, {
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: (await pkce()).verifier,
    });
    expect(wrong.body.error).toBe("invalid_grant");
    // The failed attempt used the code up: the right verifier comes too late.
    const late = await tokenCall(world, {
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(late.body.error).toBe("invalid_grant");
  });

  it("refuses a wrong password, a cross-site consent, and a request from another browser", async () => {
    const redirectUri = "http://127.0.0.1:1/cb";
    const clientId = await registerClient(world, redirectUri);
    const { challenge } = await pkce();
    const browser = world.browser();
    const start = await browser.fetch(
      authorizeUrl(world, {
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
      }),
    );
    const page = new URL(start.headers.get("location")!, world.gateway);
    await start.body?.cancel();
    const form = new URLSearchParams({ action: "approve", username: "alice", password: "wrong" });
    const wrong = await browser.fetch(page, {
      method: "POST",
      headers: sameOrigin(world),
      body: form,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("location")).toBeNull();
    await wrong.body?.cancel();
    const good = new URLSearchParams({
      action: "approve",
      username: "alice",
      password: accounts.alice,
    });
    const crossSite = await browser.fetch(page, {
      method: "POST",
      headers: {
        ...sameOrigin(world),
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
      },
      body: good,
    });
    expect(crossSite.status).toBe(403);
    await crossSite.body?.cancel();
    // A stranger's browser holding the link (no nonce cookie) cannot approve it.
    const stranger = await world.browser().fetch(page, {
      method: "POST",
      headers: sameOrigin(world),
      body: good,
    });
    expect(stranger.status).toBe(400);
    expect(stranger.headers.get("location")).toBeNull();
    await stranger.body?.cancel();
  });

  it("registration refuses dangerous redirect URIs", async () => {
    for (
      const uri of [
        "javascript:alert(1)",
        "http://evil.example/cb",
        "https://x.example/cb#frag",
        "data:text/html,x",
      ]
    ) {
      const res = await fetch(`${world.gateway}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [uri], token_endpoint_auth_method: "none" }),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe("invalid_redirect_uri");
    }
    const junk = await fetch(`${world.gateway}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(await status(junk)).toBe(400);
  });
});

describe("API keys", () => {
  const keys = () => createApiKeyService({ vault: world.vault });

  it("an unknown or revoked key is refused", async () => {
    const service = keys();
    expect(await status(await rest(`fgw_key_0123456789abcdef_${"A".repeat(43)}`))).toBe(401);
    const { key, info } = await service.create({ person: "user:local:alice", readOnly: true });
    expect(await status(await rest(key))).toBe(200);
    expect(await service.revoke(info.id)).toBe(true);
    expect(await status(await rest(key))).toBe(401);
  });

  it("a key is held to its platforms and to reading", async () => {
    const service = keys();
    const other = await service.create({
      person: "user:local:alice",
      readOnly: false,
      platforms: ["some-other-platform"],
    });
    expect(await status(await rest(other.key, "/api/fhir/smart-test/Patient"))).toBe(403);
    const reader = await service.create({ person: "user:local:alice", readOnly: true });
    const write = await rest(reader.key, "/api/fhir/smart-test/Patient", {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify({ resourceType: "Patient" }),
    });
    expect(await status(write)).toBe(403);
    // Over MCP too: the key's platform list applies to tool arguments.
    const opened = await mcpPost(other.key);
    const sid = opened.headers.get("mcp-session-id")!;
    await opened.body?.cancel();
    const call = await mcpPost(other.key, {
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "get_auth_status", arguments: { platform_id: "smart-test" } },
    }, { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" });
    expect(await status(call)).toBe(403);
  });

  it("a key is rate-limited per minute (429 with Retry-After)", async () => {
    const { key } = await keys().create({ person: "user:local:bob", readOnly: true });
    for (let i = 0; i < 8; i++) expect(await status(await rest(key))).toBe(200);
    const limited = await rest(key);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    await limited.body?.cancel();
  });
});

describe("secrets stay out of logs", () => {
  it("no token, code or key appears in a log line", async () => {
    const { tokens } = await signInTokens(world, alice);
    const { key } = await createApiKeyService({ vault: world.vault }).create({
      person: "user:local:alice",
      readOnly: true,
    });
    await (await rest(key)).body?.cancel();
    await (await mcpPost(tokens.access_token)).body?.cancel();
    const all = world.logLines.join("\n");
    expect(all).not.toContain(tokens.access_token);
    expect(all).not.toContain(tokens.refresh_token);
    expect(all).not.toContain(key.slice(-43));
    expect(all).not.toMatch(/fgw_(at|rt|code)_[A-Za-z0-9_-]{20}/);
  });
});

// The SDK client with a plain bearer header (an API key) opens sessions like any client.
it("an API key works as Authorization: Bearer with the SDK client", async () => {
  const { key } = await createApiKeyService({ vault: world.vault }).create({
    person: "user:local:alice",
    readOnly: true,
  });
  const client = new Client({ name: "key-client", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${world.gateway}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name)).toContain("get_auth_status");
  await client.close();
});
