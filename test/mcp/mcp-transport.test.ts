import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { connectClient, ok, type ServedGateway, serveGateway, text } from "./_harness.ts";
import { initializeMessage, mcpHeaders } from "./instances-world.ts";

// The /mcp endpoint over a real socket: DNS-rebinding guard, body limit, sessions (their idle
// close is in instances-limits.test.ts, on the MCP clock), and the byte budget of answers.
let peer: FhirPeer;
let gw: ServedGateway;

const initialize = initializeMessage;
const headers = mcpHeaders;

beforeAll(async () => {
  peer = await startFhirPeer();
  gw = await serveGateway({
    platforms: [{ id: "medplum", fhir_base_url: peer.baseUrl }],
    env: {
      FHIR_GATEWAY_MCP_MAX_RESPONSE_BYTES: "4096",
      FHIR_GATEWAY_MCP_MAX_REQUEST_BYTES: "20000",
      FHIR_GATEWAY_SESSION_IDLE_SECONDS: "600",
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await peer?.close();
});

const post = (body: unknown, extra: Record<string, string> = {}) =>
  fetch(`${gw.url}/mcp`, {
    method: "POST",
    headers: { ...headers, ...extra },
    body: JSON.stringify(body),
  });

/** A raw request with any Host header (fetch may not set Host). */
function withHost(host: string): Promise<{ status: number; body: string }> {
  const url = new URL(`${gw.url}/mcp`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: "/mcp",
        method: "POST",
        headers: { ...headers, host },
      },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(initialize));
  });
}

describe("DNS-rebinding protection", () => {
  it("refuses a foreign Origin and accepts the gateway's own and loopback origins", async () => {
    const foreign = await post(initialize, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain("evil.example");
    const own = await post(initialize, { origin: gw.url });
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it("refuses a foreign Host (a rebound DNS name) and accepts localhost", async () => {
    const rebound = await withHost("attacker.example:80");
    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain("attacker.example");
    expect((await withHost(`localhost:${new URL(gw.url).port}`)).status).toBe(200);
  });
});

describe("request limits and sessions", () => {
  it("refuses a body over the limit, declared or streamed, before parsing it", async () => {
    const big = { ...initialize, params: { ...initialize.params, pad: "x".repeat(30_000) } };
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(await declared.text()).toContain("20000-byte limit");
    const bytes = new TextEncoder().encode(JSON.stringify(big));
    const streamed = await fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers,
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < bytes.length; i += 4096) c.enqueue(bytes.slice(i, i + 4096));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it("needs initialize first and answers 404 for an unknown session", async () => {
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    expect((await post(list)).status).toBe(400);
    const unknown = await post(list, { "mcp-session-id": "no-such-session" });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("initialize a new one");
  });

  it("a session id is a signed token: a tampered or re-signed one answers 404", async () => {
    const init = await post(initialize);
    const id = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    expect(id).toMatch(/^m1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const [head, payload, mac] = id.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const otherOwner = btoa(JSON.stringify({ ...claims, o: "session:someone-else" }))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    for (const forged of [`${head}.${otherOwner}.${mac}`, `${id.slice(0, -2)}AA`, `${id}.x`]) {
      const r = await post(list, {
        "mcp-session-id": forged,
        "mcp-protocol-version": "2025-06-18",
      });
      expect(r.status, forged).toBe(404);
      await r.body?.cancel();
    }
  });

  it("DELETE ends a session (404 afterwards); GET offers no stream (405)", async () => {
    const init = await post(initialize);
    const id = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const session = { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" };
    const get = await fetch(`${gw.url}/mcp`, {
      headers: { ...session, accept: "text/event-stream" },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toContain("POST");
    await get.body?.cancel();
    const again = await post(initialize, session);
    expect(again.status).toBe(400);
    await again.body?.cancel();
    const ended = await fetch(`${gw.url}/mcp`, { method: "DELETE", headers: session });
    expect(ended.status).toBe(200);
    const after = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, session);
    expect(after.status).toBe(404);
    expect(await after.text()).toContain("initialize a new one");
    const twice = await fetch(`${gw.url}/mcp`, { method: "DELETE", headers: session });
    expect(twice.status).toBe(404);
    await twice.body?.cancel();
  });

  it("tools/call whose arguments is not an object answers -32602 (invalid params), not -32603", async () => {
    const init = await post(initialize);
    const id = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    const session = { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" };
    for (const args of [null, [], "x", 1]) {
      const r = await post({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "list_platforms", arguments: args },
      }, session);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ id: 9, error: { code: -32602 } });
    }
  });
});

describe("answers sized for models", () => {
  it("keeps a big answer within the byte budget and says what was left out", async () => {
    const { client } = await connectClient(gw.url);
    try {
      const result = await client.callTool({
        name: "search",
        arguments: {
          platform_id: "medplum",
          resource_type: "Observation",
          params: { patient: `Patient/${JOHNNIE_ID}` },
          limit: 50,
          full: true,
        },
      });
      const body = text(result);
      expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(4096);
      const page = ok<
        {
          returned: number;
          entries: unknown[];
          truncated: { omitted: Array<{ path: string }>; how_to_get_more: string };
        }
      >(result);
      expect(page.returned).toBe(50);
      expect(page.entries.length).toBeLessThan(50);
      expect(page.truncated.omitted[0]!.path).toBe("entries");
      expect(page.truncated.how_to_get_more).toContain("smaller limit");

      const small = ok<{ truncated?: unknown }>(
        await client.callTool({
          name: "count",
          arguments: { platform_id: "medplum", resource_type: "Patient" },
        }),
      );
      expect(small.truncated).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
