import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { mcpRoutes } from "../../src/mcp/routes.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { makeTestApp } from "../helpers/test-app.ts";
import { type FhirPeer, startFhirPeer } from "../peers/fhir-server.ts";
import { initializeMessage, mcpHeaders } from "./instances-world.ts";

// Issue 9 item 4: 2,000 anonymous `initialize` calls opened 2,000 sessions (240 MB -> 800 MB).
// Sessions now cost no memory (signed ids, state in the store only once used), and each
// instance bounds the sessions a client address may open, the total, and the requests in
// flight; beyond a bound the answer is a JSON-RPC error with 429 or 503 and Retry-After.
let peer: FhirPeer;
let clock = Date.now();
let gate: Promise<void> | undefined;

const initialize = initializeMessage;
const headers = mcpHeaders;
/** What @hono/node-server passes as the Hono env: the socket's peer address. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

beforeAll(async () => {
  peer = await startFhirPeer();
});
afterAll(async () => {
  await peer?.close();
});

async function build(env: Record<string, string>) {
  const vault = createVault(
    createMemoryStore({ now: () => clock }),
    parseMasterKeys(generateMasterKeyLine()),
  );
  // The upstream is the real Medplum peer; `gate` holds calls to it, to keep requests in flight.
  const held: typeof fetch = async (input, init) => {
    await gate;
    return await fetch(input, init);
  };
  const { gateway, config } = await makeTestApp({
    platforms: [{ id: "medplum", fhir_base_url: peer.baseUrl }],
    env: { FHIR_GATEWAY_MCP_SESSION_IDLE_SECONDS: "600", ...env },
    deps: { vault, fetch: held },
  });
  // The MCP endpoint alone, on its own clock (the edge's rate limits have their own tests).
  const { routes } = mcpRoutes({
    gateway,
    config,
    log: createLogger("silent"),
    vault,
    clock: () => clock,
  });
  const app = new Hono().route("/mcp", routes);
  const post = async (address: string, body: unknown, extra: Record<string, string> = {}) =>
    await app.request(
      "/mcp",
      { method: "POST", headers: { ...headers, ...extra }, body: JSON.stringify(body) },
      from(address),
    );
  return { app, post };
}

async function initializeFrom(post: (a: string, b: unknown) => Promise<Response>, address: string) {
  const r = await post(address, initialize);
  const body = await r.text();
  if (r.status === 500) throw new Error(`unexpected 500: ${body}`);
  return {
    status: r.status,
    body,
    id: r.headers.get("mcp-session-id"),
    retry: r.headers.get("retry-after"),
  };
}

describe("a flood of initialize calls stays bounded", () => {
  it("one client address: 2,000 initialize open 50 sessions, the rest answer 429 with Retry-After", async () => {
    const { post } = await build({});
    const statuses = new Map<number, number>();
    let refusal = "";
    let retry: string | null = null;
    for (let i = 0; i < 2000; i++) {
      const r = await initializeFrom(post, "203.0.113.7");
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 429) [refusal, retry] = [r.body, r.retry];
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 50, 429: 1950 });
    expect(JSON.parse(refusal)).toMatchObject({
      jsonrpc: "2.0",
      error: { code: -32000, message: expect.stringContaining("Too many MCP sessions") },
    });
    expect(Number(retry)).toBeGreaterThan(0);
    // Another address is not affected by this one's flood.
    expect((await initializeFrom(post, "198.51.100.1")).status).toBe(200);
  });

  it("many addresses: the total bound answers 503 once reached", async () => {
    const { post } = await build({
      FHIR_GATEWAY_MCP_MAX_SESSIONS: "300",
      FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT: "5",
    });
    let opened = 0;
    let full = 0;
    for (let i = 0; i < 1000; i++) {
      const r = await initializeFrom(post, `10.0.${i >> 8}.${i & 255}`);
      if (r.status === 200) opened++;
      else if (r.status === 503) full++;
      else throw new Error(`unexpected ${r.status}: ${r.body}`);
    }
    expect(opened).toBe(300);
    expect(full).toBe(700);
  });

  it("idle sessions free their slots: after the idle time the same address opens again", async () => {
    const { post } = await build({ FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT: "3" });
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await initializeFrom(post, "192.0.2.9"));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await initializeFrom(post, "192.0.2.9")).status).toBe(429);
    clock += 601_000;
    expect((await initializeFrom(post, "192.0.2.9")).status).toBe(200);
    // ...and the sessions that went idle answer 404.
    const old = await post("192.0.2.9", { jsonrpc: "2.0", id: 2, method: "tools/list" }, {
      "mcp-session-id": first[0]!.id!,
    });
    expect(old.status).toBe(404);
  });

  it("a terminated session frees its slot at once", async () => {
    const { app, post } = await build({ FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT: "1" });
    const open = await initializeFrom(post, "192.0.2.10");
    expect((await initializeFrom(post, "192.0.2.10")).status).toBe(429);
    const ended = await app.request(
      "/mcp",
      { method: "DELETE", headers: { "mcp-session-id": open.id! } },
      from("192.0.2.10"),
    );
    expect(ended.status).toBe(200);
    expect((await initializeFrom(post, "192.0.2.10")).status).toBe(200);
  });

  it("requests in flight are bounded per client (429) and in total (503), and released when answered", async () => {
    const { post } = await build({
      FHIR_GATEWAY_MCP_MAX_CONCURRENT_PER_CLIENT: "2",
      FHIR_GATEWAY_MCP_MAX_CONCURRENT: "3",
    });
    const a = await initializeFrom(post, "192.0.2.20");
    const b = await initializeFrom(post, "192.0.2.21");
    let release!: () => void;
    gate = new Promise((r) => (release = r));
    const call = (address: string, id: string, n: number) =>
      post(address, {
        jsonrpc: "2.0",
        id: n,
        method: "tools/call",
        params: { name: "count", arguments: { platform_id: "medplum", resource_type: "Patient" } },
      }, { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" });
    const held = [await call("192.0.2.20", a.id!, 1), await call("192.0.2.20", a.id!, 2)];
    const third = await call("192.0.2.20", a.id!, 3);
    expect(third.status).toBe(429);
    expect(await third.text()).toContain("Too many MCP requests at once");
    held.push(await call("192.0.2.21", b.id!, 4));
    const overall = await call("192.0.2.21", b.id!, 5);
    expect(overall.status).toBe(503);
    expect(overall.headers.get("retry-after")).toBe("1");
    await overall.body?.cancel();
    release();
    gate = undefined;
    const bodies = await Promise.all(held.map((r) => r.text()));
    for (const body of bodies) expect(body).toContain('"count"');
    const after = await call("192.0.2.20", a.id!, 6);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('"count"');
  });
});
