import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthWorld, confirmAgentLogin } from "../auth/_world.ts";
import { JOHNNIE_ID } from "../peers/fhir-server.ts";
import { createHttpClient } from "../peers/http-client.ts";
import { connectClient, ok, text } from "./_harness.ts";
import {
  initializeMessage,
  type InstancesWorld,
  mcpHeaders,
  openPid,
  smartPid,
  startInstances,
} from "./instances-world.ts";

// Issue 9, "Many instances on one Redis": two gateway instances, each with its own Redis
// connection, on one real redis-server, sharing nothing else but the master key. A session
// opened on A is served by B (tools, a search against the Medplum peer, a login started on A
// awaited on B), terminated on one it is gone on the other, and the SDK client works through
// a plain round-robin balancer with no sticky routing.
let world: InstancesWorld;
const clients: Client[] = [];

beforeAll(async () => {
  world = await startInstances(2);
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await world?.close();
});

/** A client that reuses the session `sessionId` against another instance, without initialize. */
async function resume(url: string, sessionId: string): Promise<Client> {
  const client = new Client({ name: "fhir-gateway-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { sessionId });
  await client.connect(transport);
  transport.setProtocolVersion("2025-06-18");
  clients.push(client);
  return client;
}

const [a, b] = [0, 1];
const call = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args });

describe("MCP sessions across instances on one Redis", () => {
  it(
    "initialize on A; list_platforms, a search and a login on B; the login started on A is seen by wait_for_auth on B",
    async () => {
      const onA = (await connectClient(world.instances[a]!.url)).client;
      clients.push(onA);
      const sessionId = (onA.transport as StreamableHTTPClientTransport).sessionId!;
      expect(sessionId).toMatch(/^m1\./);
      const onB = await resume(world.instances[b]!.url, sessionId);

      const platforms = ok<{ platforms: Array<{ id: string }> }>(await call(onB, "list_platforms"));
      expect(platforms.platforms.map((p) => p.id).sort()).toEqual([openPid, smartPid]);
      const found = ok<{ returned: number; entries: Array<{ id: string }> }>(
        await call(onB, "search", {
          platform_id: openPid,
          resource_type: "Patient",
          params: { _id: JOHNNIE_ID },
        }),
      );
      expect(found.entries.map((e) => e.id)).toEqual([JOHNNIE_ID]);

      const started = ok<{ authorization_url: string; user_code: string }>(
        await call(onA, "start_auth", { platform_id: smartPid }),
      );
      const waiting = onB.callTool(
        { name: "wait_for_auth", arguments: { platform_id: smartPid, timeout_seconds: 60 } },
        undefined,
        { timeout: 90_000 },
      );
      const browser = createHttpClient();
      const { response } = await confirmAgentLogin(
        { gateway: world.lb } as AuthWorld,
        browser,
        started.authorization_url,
        started.user_code,
      );
      expect(response?.status, await response?.clone().text()).toBe(200);
      const waited = ok<{ status: { state: string; patient?: string } }>(await waiting);
      expect(waited.status).toMatchObject({ state: "active", patient: JOHNNIE_ID });

      // The login (tokens in Redis, owned by this MCP session) serves reads on both instances.
      for (const client of [onA, onB]) {
        const patient = ok<{ resource?: { id: string }; id?: string }>(
          await call(client, "read", {
            platform_id: smartPid,
            resource_type: "Patient",
            id: JOHNNIE_ID,
          }),
        );
        expect(JSON.stringify(patient)).toContain(JOHNNIE_ID);
      }
      // A different session (another conversation) does not reach that login.
      const stranger = (await connectClient(world.instances[b]!.url)).client;
      clients.push(stranger);
      const refused = await call(stranger, "read", {
        platform_id: smartPid,
        resource_type: "Patient",
        id: JOHNNIE_ID,
      });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("start_auth");
    },
    120_000,
  );

  it("a session terminated on A answers 404 on B", async () => {
    const onA = (await connectClient(world.instances[a]!.url)).client;
    const transport = onA.transport as StreamableHTTPClientTransport;
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await onA.close();
    const onB = await fetch(`${world.instances[b]!.url}/mcp`, {
      method: "POST",
      headers: { ...mcpHeaders, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
    });
    expect(onB.status).toBe(404);
    expect(await onB.text()).toContain("initialize a new one");
  });

  it("notifications/cancelled sent to B aborts the tool call A is running", async () => {
    const onA = (await connectClient(world.instances[a]!.url)).client;
    clients.push(onA);
    const sessionId = (onA.transport as StreamableHTTPClientTransport).sessionId!;
    const session = {
      ...mcpHeaders,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    };
    ok(await call(onA, "start_auth", { platform_id: smartPid }));
    const started = Date.now();
    const waiting = await fetch(`${world.instances[a]!.url}/mcp`, {
      method: "POST",
      headers: session,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 41,
        method: "tools/call",
        params: {
          name: "wait_for_auth",
          arguments: { platform_id: smartPid, timeout_seconds: 240 },
        },
      }),
    });
    expect(waiting.status).toBe(200);
    const cancel = await fetch(`${world.instances[b]!.url}/mcp`, {
      method: "POST",
      headers: session,
      body: JSON.stringify({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 41, reason: "user stopped it" },
      }),
    });
    expect(cancel.status).toBe(202);
    // The answer stream on A ends (with no result) long before the 240 s wait would.
    const body = await waiting.text();
    expect(body).not.toContain('"result"');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it("a session is its owner's: a request naming another browser session answers 404", async () => {
    const cookieOf = async () => {
      const browser = createHttpClient();
      const started = await browser.fetch(`${world.lb}/auth/${smartPid}/login`);
      await started.body?.cancel();
      return browser.jar.header(new URL(world.lb))!;
    };
    const [mine, theirs] = [await cookieOf(), await cookieOf()];
    expect(mine).not.toBe(theirs);
    const post = (body: unknown, extra: Record<string, string>) =>
      fetch(`${world.lb}/mcp`, {
        method: "POST",
        headers: { ...mcpHeaders, "mcp-protocol-version": "2025-06-18", ...extra },
        body: JSON.stringify(body),
      });
    const init = await post(initializeMessage, { cookie: mine });
    const id = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    const statusWith = async (extra: Record<string, string>) => {
      const r = await post(list, { "mcp-session-id": id, ...extra });
      await r.body?.cancel();
      return r.status;
    };
    expect(await statusWith({ cookie: mine })).toBe(200);
    expect(await statusWith({})).toBe(200);
    expect(await statusWith({ cookie: theirs })).toBe(404);
  });

  it("the SDK client works through a round-robin balancer: every request may land on another instance", async () => {
    const before = world.instances.map((i) => i.served);
    const { client } = await connectClient(world.lb);
    clients.push(client);
    for (let i = 0; i < 4; i++) {
      const counted = ok<{ count?: number; total?: number }>(
        await call(client, "count", { platform_id: openPid, resource_type: "Patient" }),
      );
      expect(JSON.stringify(counted)).toMatch(/\d/);
    }
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("search");
    world.instances.forEach((instance, i) => {
      expect(instance.served - before[i]!, `instance ${i}`).toBeGreaterThanOrEqual(3);
    });
  });
});
