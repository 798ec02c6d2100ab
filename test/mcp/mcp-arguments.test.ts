import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";
import { connectClient, type ServedGateway, serveGateway, text } from "./_harness.ts";

// MCP tools give the help REST gives, in their own words, and refuse what the core refuses
// before anything reaches the platform.
let peer: StaticPeer;
let gw: ServedGateway;
let client: Client;

beforeAll(async () => {
  peer = await startStaticPeer((request) =>
    request.method === "DELETE"
      ? new Response(null, { status: 204 })
      : Response.json({ resourceType: "Patient", id: "p1" })
  );
  gw = await serveGateway({ platforms: [{ id: "p", fhir_base_url: `${peer.url}/fhir` }] });
  ({ client } = await connectClient(gw.url));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await peer?.close();
});

const call = async (name: string, args: Record<string, unknown>) =>
  await client.callTool({ name, arguments: args }) as CallToolResult;

describe("MCP arguments", () => {
  it('answers "Did you mean Patient?" for a lower-case type, not the SDK\'s -32602 dump', async () => {
    const result = await call("read", { platform_id: "p", resource_type: "patient", id: "p1" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Did you mean "Patient"?');
    expect(text(result)).not.toContain("-32602");
  });

  it("names an unknown argument and the ones the tool takes", async () => {
    const result = await call("read", {
      platform_id: "p",
      resource_type: "Patient",
      id: "p1",
      resourceId: "x",
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Unknown argument "resourceId"');
    expect(text(result)).toContain("platform_id, resource_type, id");
    expect(text(result)).not.toContain("-32602");
  });

  it("says which argument is missing", async () => {
    const result = await call("search", { platform_id: "p" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Argument "resource_type" is required.');
  });

  // Issue 9, defect 1: delete with id "." sent DELETE {base}/Flag/ and every Flag was gone.
  it("refuses delete and read with dot ids and sends nothing upstream", async () => {
    const before = peer.requests.length;
    for (const id of [".", ".."]) {
      const del = await call("delete", { platform_id: "p", resource_type: "Flag", id });
      expect(del.isError).toBe(true);
      expect(text(del)).toContain("not a valid FHIR id");
      const read = await call("read", { platform_id: "p", resource_type: "Patient", id });
      expect(read.isError).toBe(true);
    }
    expect(peer.requests.length).toBe(before);
  });

  it("says a platform without an oauth block needs no login, in MCP's words", async () => {
    const result = await call("start_auth", { platform_id: "p" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("needs no login");
    expect(text(result)).not.toContain("/auth/");
  });
});

describe("FHIR_GATEWAY_MCP_TOOLSET=connector", () => {
  it("names the connector tools search and fetch, and the FHIR search search_resources", async () => {
    const served = await serveGateway({
      platforms: [{ id: "p", fhir_base_url: `${peer.url}/fhir` }],
      env: { FHIR_GATEWAY_MCP_TOOLSET: "connector" },
    });
    const { client: other } = await connectClient(served.url);
    try {
      const { tools } = await other.listTools();
      const byName = new Map(tools.map((t) => [t.name, t]));
      expect(Object.keys(byName.get("search")!.inputSchema.properties ?? {})).toEqual(["query"]);
      expect(byName.has("fetch")).toBe(true);
      expect(byName.get("search_resources")!.inputSchema.required).toContain("resource_type");
      expect(byName.has("search_records")).toBe(false);
    } finally {
      await other.close();
      await served.close();
    }
  });
});
