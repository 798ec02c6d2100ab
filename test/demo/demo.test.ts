import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, JOHNNIE_ID } from "../peers/fhir-server.ts";
import { createHttpClient } from "../peers/http-client.ts";

// `npm run demo` as a newcomer runs it: one command, then the printed instructions are
// followed with a cookie-jar browser (login, search) and the MCP SDK client; SIGTERM to
// the npm process must close every port the demo opened.
const root = new URL("../..", import.meta.url).pathname;

let child: ChildProcess;
let port: number;
const stdout: string[] = [];
const stderr: string[] = [];
let exited: Promise<number | null>;

beforeAll(async () => {
  port = await freePort();
  child = spawn("npm", ["run", "--silent", "demo", "--", "--port", String(port)], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => stdout.push(String(d)));
  child.stderr!.on("data", (d) => stderr.push(String(d)));
  exited = new Promise((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + 120_000;
  while (!stdout.join("").includes(`ready: http://localhost:${port}\n`)) {
    if (child.exitCode !== null) {
      throw new Error(`demo exited: ${stdout.join("")}${stderr.join("")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`demo not ready: ${stdout.join("")}${stderr.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}, 150_000);

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** The printed instruction lines, for following them as written. */
const printed = () => stdout.join("");
/** The first printed URL that starts with `prefix`. */
function printedUrl(prefix: string): string {
  const match = printed().split(/\s+/).find((word) => word.startsWith(prefix));
  if (!match) throw new Error(`The demo printed no URL starting with ${prefix}: ${printed()}`);
  return match;
}

describe("npm run demo", () => {
  const gateway = () => `http://localhost:${port}`;
  const http = createHttpClient();

  it("prints a login link, a search that finds a demo patient, and the MCP URL", () => {
    expect(printed()).toContain(`${gateway()}/auth/synthea-demo/login`);
    expect(printed()).toContain(`${gateway()}/api/fhir/synthea-demo/Patient?family=Hermiston`);
    expect(printed()).toContain(`claude mcp add --transport http fhir-demo ${gateway()}/mcp`);
    expect(printed()).toContain('"mcp-remote"');
  });

  it("logs in through the local SMART server by following the printed link", async () => {
    const { response } = await http.follow(printedUrl(`${gateway()}/auth/synthea-demo/login`));
    expect(response?.status).toBe(200);
    expect(await response!.text()).toContain("Logged in");
    const status = await http.fetch(printedUrl(`${gateway()}/auth/synthea-demo/status`));
    expect(await status.json()).toMatchObject({ state: "active", patient: JOHNNIE_ID });
  }, 90_000);

  it("finds the demo patient with the printed search", async () => {
    const search = await http.fetch(printedUrl(`${gateway()}/api/fhir/synthea-demo/Patient?`));
    expect(search.status).toBe(200);
    const bundle = await search.json() as { entry: Array<{ resource: { id: string } }> };
    expect(bundle.entry.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
    const read = await http.fetch(printedUrl(`${gateway()}/api/fhir/synthea-demo/Patient/`));
    expect(await read.json()).toMatchObject({ resourceType: "Patient", id: JOHNNIE_ID });
    const conditions = await http.fetch(
      printedUrl(`${gateway()}/api/fhir/synthea-demo/Condition?patient=`),
    );
    const found = await conditions.json() as { entry?: Array<{ resource: { subject: unknown } }> };
    expect(found.entry?.length).toBeGreaterThan(0);
    expect(found.entry![0]!.resource.subject).toEqual({ reference: `Patient/${JOHNNIE_ID}` });
  });

  it("answers an MCP client's tool call on the printed /mcp URL", async () => {
    const cookie = http.jar.header(new URL(gateway()))!;
    const client = new Client({ name: "demo-test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway()}/mcp`), {
        requestInit: { headers: { cookie } },
      }),
    );
    try {
      const platforms = await client.callTool({ name: "list_platforms", arguments: {} });
      expect(JSON.stringify(platforms.structuredContent)).toContain("synthea-demo");
      const found = await client.callTool({
        name: "search",
        arguments: {
          platform_id: "synthea-demo",
          resource_type: "Patient",
          params: { family: "Hermiston" },
        },
      });
      expect(found.isError, JSON.stringify(found.content)).toBeFalsy();
      expect(JSON.stringify(found.structuredContent)).toContain(JOHNNIE_ID);
    } finally {
      await client.close();
    }
    const metrics = await (await fetch(`${gateway()}/metrics`)).text();
    expect(metrics).toMatch(/fhir_gateway_mcp_sessions_total\{event="opened"\} [1-9]/);
    expect(metrics).toMatch(
      /fhir_gateway_upstream_duration_seconds_count\{platform="synthea-demo"/,
    );
  }, 90_000);

  it("stops every server on SIGTERM to the npm process", async () => {
    // The FHIR and SMART servers, as printed: "(http://127.0.0.1:PORT/fhir/R4)", "(http://127.0.0.1:PORT)".
    const peers = [...printed().matchAll(/\(http:\/\/127\.0\.0\.1:(\d+)[^)]*\)/g)];
    expect(peers).toHaveLength(2);
    const ports = [port, ...peers.map((m) => Number(m[1]))];
    for (const p of ports) expect(await isOpen(p)).toBe(true);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    for (const p of ports) expect(await isOpen(p), `port ${p}`).toBe(false);
    expect(printed()).toContain("stopping the demo");
  }, 60_000);
});

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
function isOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
