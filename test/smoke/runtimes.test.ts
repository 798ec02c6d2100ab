import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, freePort, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";

// Starts the real server exactly as the README says (`npm start` under Deno, `npm run
// start:node` under Node) and proxies a search through each to the Medplum engine.
let peer: FhirPeer;
beforeAll(async () => {
  peer = await startFhirPeer();
});
afterAll(() => peer?.close());

const root = new URL("../..", import.meta.url).pathname;

function spawnGateway(script: "start" | "start:node", port: number, dataDir: string) {
  const output: string[] = [];
  const child = spawn("npm", ["run", "--silent", script], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      FHIR_GATEWAY_PORT: String(port),
      FHIR_GATEWAY_DATA_DIR: dataDir,
      FHIR_GATEWAY_PLATFORM_LOCAL_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_LOG_LEVEL: "info",
    },
  });
  child.stdout!.on("data", (d) => output.push(String(d)));
  child.stderr!.on("data", (d) => output.push(String(d)));
  return { child, output };
}

async function startGateway(script: "start" | "start:node") {
  const port = await freePort();
  const dataDir = `./data/smoke-${script.replace(":", "-")}-${port}`;
  const { child, output } = spawnGateway(script, port, dataDir);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${output.join("")}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${output.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, child, output, dataDir };
}

/** True while any process of the group `pgid` lives (the gateway under npm). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
}

describe.each(
  [
    ["deno", "start"],
    ["node", "start:node"],
  ] as const,
)("the gateway under %s", (runtime, script) => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gw = await startGateway(script);
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
    const second = spawnGateway(script, gw.port, gw.dataDir);
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
    expect(gw.output.join("")).toContain("shutting down");
    await client.close().catch(() => {});
  }, 30_000);
});
