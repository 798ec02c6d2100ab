import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthWorld, confirmAgentLogin, login, pid, startAuthWorld } from "../auth/_world.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import type { HttpClient } from "../peers/http-client.ts";
import { connectClient, ok, text } from "./_harness.ts";

// The agent workflow end to end: the official SDK client, the gateway on a real socket, the
// oidc-provider SMART server and the Medplum engine checking its bearer tokens.
let world: AuthWorld;
const clients: Client[] = [];

beforeAll(async () => {
  world = await startAuthWorld();
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await world?.close();
});

async function mcp(headers?: Record<string, string>) {
  const { client } = await connectClient(world.gateway, { headers });
  clients.push(client);
  return (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args });
}

/** A browser with a gateway session cookie (and no login yet). */
async function browserWithSession(): Promise<{ http: HttpClient; cookie: string }> {
  const http = world.client();
  const started = await http.fetch(`${world.gateway}/auth/${pid}/login`);
  expect(started.status).toBe(302);
  await started.body?.cancel();
  return { http, cookie: http.jar.header(new URL(world.gateway))! };
}

const labParams = { patient: `Patient/${JOHNNIE_ID}`, category: "laboratory" };

describe("agent login workflow", () => {
  it("get_auth_status -> start_auth -> browser login -> wait_for_auth -> labs, shared with REST", async () => {
    const { http, cookie } = await browserWithSession();
    const { client } = await connectClient(world.gateway, { headers: { cookie } });
    clients.push(client);
    const call = (name: string, args: Record<string, unknown>) =>
      client.callTool({ name, arguments: args });

    const before = ok<{ logins: Array<{ state: string; next_step?: string }> }>(
      await call("get_auth_status", { platform_id: pid }),
    );
    expect(before.logins[0]!.next_step).toMatch(/start_auth|wait_for_auth/);

    const startResult = await call("start_auth", { platform_id: pid });
    const started = ok<
      { authorization_url: string; user_code: string; auth_handle: string; next_step: string }
    >(startResult);
    // A JWS (header.payload.signature) naming its master key, so rotation keeps it valid.
    expect(started.auth_handle).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    // The agent gets the gateway's confirm page and a code to show, not the platform's URL.
    expect(started.authorization_url).toMatch(
      new RegExp(`^${world.gateway}/auth/confirm/[A-Za-z0-9_-]{43}$`),
    );
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.next_step).toMatch(/authorization_url and user_code/);
    expect(text(startResult)).toContain(started.user_code);

    const progress: number[] = [];
    const waiting = client.callTool(
      { name: "wait_for_auth", arguments: { platform_id: pid, timeout_seconds: 30 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress), timeout: 60_000 },
    );
    const { response } = await confirmAgentLogin(
      world,
      http,
      started.authorization_url,
      started.user_code,
    );
    const page = (await response?.text()) ?? "";
    expect(response?.status, page).toBe(200);

    const waited = ok<{ status: { state: string; patient?: string } }>(await waiting);
    expect(waited.status).toMatchObject({ state: "active", patient: JOHNNIE_ID });
    expect(progress.length).toBeGreaterThan(0);

    const labs = ok<{ returned: number; entries: Array<Record<string, string>> }>(
      await call("search", {
        platform_id: pid,
        resource_type: "Observation",
        params: labParams,
        limit: 50,
      }),
    );
    expect(labs.returned).toBeGreaterThan(10);
    expect(labs.entries.every((e) => e.resourceType === "Observation" && /lab/i.test(e.category!)))
      .toBe(true);
    expect(JSON.stringify(labs)).not.toMatch(/access_token|Bearer /);

    // The login made through MCP serves the browser's REST calls too.
    const rest = await http.fetch(`${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect(rest.status).toBe(200);

    // And the auth_handle reaches it from a new MCP connection with no cookie.
    const other = await mcp();
    const viaHandle = ok<{ returned: number }>(
      await other("search", {
        platform_id: pid,
        resource_type: "Observation",
        params: labParams,
        limit: 5,
        auth_handle: started.auth_handle,
      }),
    );
    expect(viaHandle.returned).toBe(5);
    const withoutHandle = await other("search", { platform_id: pid, resource_type: "Observation" });
    expect(withoutHandle.isError).toBe(true);
    expect(text(withoutHandle)).toContain("start_auth");
  });

  it("a standalone agent's login finishes in a browser without a gateway cookie and serves REST through X-Auth-Handle", async () => {
    const call = await mcp();
    const started = ok<{ authorization_url: string; user_code: string; auth_handle: string }>(
      await call("start_auth", { platform_id: pid }),
    );
    const browser = world.client(); // a fresh browser: no gateway session cookie
    const { response } = await confirmAgentLogin(
      world,
      browser,
      started.authorization_url,
      started.user_code,
    );
    expect(response?.status).toBe(200);
    const waited = ok<{ status: { state: string } }>(
      await call("wait_for_auth", { platform_id: pid, timeout_seconds: 10 }),
    );
    expect(waited.status.state).toBe("active");

    const url = `${world.gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`;
    const viaHandle = await fetch(url, { headers: { "x-auth-handle": started.auth_handle } });
    expect(viaHandle.status).toBe(200);
    expect((await viaHandle.json()).id).toBe(JOHNNIE_ID);
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    const forged = await fetch(url, {
      headers: { "x-auth-handle": `${started.auth_handle.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(403);
    expect((await forged.json()).resourceType).toBe("OperationOutcome");
  });

  it("a REST login serves MCP tool calls made with that browser session", async () => {
    const http = world.client();
    const done = await login(world, http);
    expect(done.status).toBe(200);
    const call = await mcp({ cookie: http.jar.header(new URL(world.gateway))! });
    const status = ok<{ logins: Array<{ state: string }> }>(
      await call("get_auth_status", { platform_id: pid }),
    );
    expect(status.logins[0]!.state).toBe("active");
    const read = ok<{ resource: { id: string } }>(
      await call("read", { platform_id: pid, resource_type: "Patient", id: JOHNNIE_ID }),
    );
    expect(read.resource.id).toBe(JOHNNIE_ID);
    const revoked = ok<{ revoked: boolean }>(await call("revoke_auth", { platform_id: pid }));
    expect(revoked.revoked).toBe(true);
    const after = await call("read", {
      platform_id: pid,
      resource_type: "Patient",
      id: JOHNNIE_ID,
    });
    expect(after.isError).toBe(true);
    expect(text(after)).toContain("start_auth");
  });

  it("a forged or expired auth_handle is refused, not ignored", async () => {
    const call = await mcp();
    const started = ok<{ auth_handle: string }>(await call("start_auth", { platform_id: pid }));
    const [prefix, payload, mac] = started.auth_handle.split(".");
    const forged = `${prefix}.${payload}.${mac!.slice(0, -2)}AA`;
    const attempts = {
      search: { platform_id: pid, resource_type: "Patient", auth_handle: forged },
      get_auth_status: { platform_id: pid, auth_handle: forged },
    };
    for (const [tool, args] of Object.entries(attempts)) {
      const r = await call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(text(r)).toMatch(/auth handle is invalid/i);
      expect(text(r)).toContain("start_auth");
    }
    world.advance(2 * 3600 * 1000);
    const expired = await call("get_auth_status", {
      platform_id: pid,
      auth_handle: started.auth_handle,
    });
    expect(expired.isError).toBe(true);
    expect(text(expired)).toMatch(/invalid or has expired/);
  });

  it("wait_for_auth answers at its timeout with what to do next", async () => {
    const call = await mcp();
    ok(await call("start_auth", { platform_id: pid }));
    const waited = ok<{ status: { state: string }; next_step: string }>(
      await call("wait_for_auth", { platform_id: pid, timeout_seconds: 1 }),
    );
    expect(waited.status.state).toBe("pending");
    expect(waited.next_step).toContain("wait_for_auth");
  });
});
