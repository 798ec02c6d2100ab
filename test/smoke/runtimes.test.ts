import { rm } from "node:fs/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import {
  groupAlive,
  root,
  spawnGateway,
  type StartedGateway,
  startGateway,
  stop,
} from "./_gateway.ts";

// Starts the real server exactly as the README says (`npm start` under Deno, `npm run
// start:node` under Node) and proxies a search through each to the Medplum engine.
let peer: FhirPeer;
beforeAll(async () => {
  peer = await startFhirPeer();
});
afterAll(() => peer?.close());

/** Starts the gateway the way the README says, with the local platform on the peer. */
function startSmoke(script: "start" | "start:node") {
  return startGateway({ script }, {
    FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl,
  }, script.replace(":", "-"));
}

describe.each(
  [
    ["deno", "start"],
    ["node", "start:node"],
  ] as const,
)("the gateway under %s", (runtime, script) => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await startSmoke(script);
  }, 60_000);
  afterAll(async () => {
    if (gw) {
      await stop(gw.child);
      await rm(`${root}/${gw.dataDir}`, { recursive: true, force: true });
    }
  });

  it("answers /health naming its runtime", async () => {
    const health = await (await fetch(`${gw.url}/health`)).json();
    expect(health).toMatchObject({ status: "ok", runtime });
    expect(health.platforms).toBeGreaterThan(0);
  });

  it("proxies a search to a FHIR server on localhost with gateway links", async () => {
    const res = await fetch(`${gw.url}/api/fhir/local/Patient?family=Hermiston71`);
    expect(res.status).toBe(200);
    const bundle = await res.json();
    expect(bundle.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([
      JOHNNIE_ID,
    ]);
    const self = bundle.link.find((l: { relation: string }) => l.relation === "self");
    expect(self.url.startsWith(`http://localhost:${gw.port}/api/fhir/local/Patient`)).toBe(true);
  });

  it("refuses a port that is taken with one clear line, no stack", async () => {
    const second = spawnGateway({ script }, {
      FHIR_GATEWAY_PORT: String(gw.port),
      FHIR_GATEWAY_DATA_DIR: gw.dataDir,
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl,
    });
    const code = await new Promise((r) => second.child.once("exit", r));
    const text = second.output.join("");
    expect(code).toBe(1);
    expect(text).toContain(`127.0.0.1:${gw.port}: the port is already in use`);
    expect(text).toContain("FHIR_GATEWAY_PORT");
    expect(text).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("stops on SIGTERM while an MCP client holds its event stream open", async () => {
    // The SDK client opens a standalone GET event stream after initializing, as real
    // clients do; the server must end it instead of waiting for it.
    const client = new Client({ name: "smoke", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
    await client.listTools();
    await stop(gw.child);
    // npm itself exits at once on SIGTERM; the gateway is the rest of the process group.
    const deadline = Date.now() + 8_000;
    while (groupAlive(gw.child.pid!) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(groupAlive(gw.child.pid!)).toBe(false);
    // Its last lines may still be in the pipe when the process is gone.
    await gw.ended;
    expect(gw.output.join("")).toContain("shutting down");
    await client.close().catch(() => {});
  }, 30_000);
});
