import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateMasterKeyLine } from "../../src/store/master-keys.ts";
import { freePort } from "../peers/fhir-server.ts";
import { initializeMessage, mcpHeaders } from "./instances-world.ts";

// Issue 9 item 4, measured on a real server process: 2,000 anonymous `initialize` calls took
// it from 240 MB to 800 MB. The gateway runs as a child process (Node via tsx, memory store);
// its resident memory is read from /proc before and after the flood. Figures are printed.
const flood = 2000;
const concurrency = 20;
const initialize = JSON.stringify(initializeMessage);
const headers = mcpHeaders;

let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startGateway(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  dataDir = await mkdtemp(join(tmpdir(), "gw-mem-"));
  child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      PATH: process.env.PATH,
      FHIR_GATEWAY_PORT: String(port),
      FHIR_GATEWAY_STORE: "memory",
      FHIR_GATEWAY_LOG_LEVEL: "error",
      FHIR_GATEWAY_AUDIT: "off",
      FHIR_GATEWAY_DATA_DIR: dataDir,
      FHIR_GATEWAY_MASTER_KEY: generateMasterKeyLine(),
      // The edge's per-address rate limit is another layer; this measures the MCP sessions.
      FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "1000000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${output.slice(-800)}`);
    const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (up) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway did not start: ${output.slice(-800)}`);
}

async function rssMb(): Promise<number> {
  const status = await readFile(`/proc/${child!.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Sends `count` initialize calls, `concurrency` at a time; answers the count per status. */
async function initializeFlood(url: string, count: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      const r = await fetch(`${url}/mcp`, { method: "POST", headers, body: initialize });
      const body = await r.text();
      if (r.status === 500) throw new Error(`unexpected 500: ${body}`);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

async function measure(env: Record<string, string>) {
  const url = await startGateway(env);
  await initializeFlood(url, 100); // warm up (JIT, caches), then settle
  await new Promise((r) => setTimeout(r, 500));
  const before = await rssMb();
  const statuses = await initializeFlood(url, flood);
  await new Promise((r) => setTimeout(r, 500));
  const after = await rssMb();
  const health = await fetch(`${url}/health`);
  return { before, after, statuses, healthy: health.ok };
}

describe(`RSS of a gateway process under ${flood} initialize calls`, () => {
  it("default bounds: 50 sessions per client, the rest refused; memory stays flat", async () => {
    const m = await measure({});
    console.log(
      `initialize flood (default bounds): RSS ${m.before.toFixed(0)} MB -> ${
        m.after.toFixed(0)
      } MB, ` +
        `answers ${JSON.stringify(m.statuses)}`,
    );
    expect(m.statuses[429]).toBeGreaterThanOrEqual(flood - 50);
    expect(m.healthy).toBe(true);
    expect(m.after - m.before).toBeLessThan(100);
  }, 180_000);

  it("bounds raised so every call opens a session: sessions cost no memory", async () => {
    const m = await measure({ FHIR_GATEWAY_MCP_MAX_SESSIONS_PER_CLIENT: "100000" });
    console.log(
      `initialize flood (all ${flood} opened): RSS ${m.before.toFixed(0)} MB -> ${
        m.after.toFixed(0)
      } MB, ` +
        `answers ${JSON.stringify(m.statuses)}`,
    );
    expect(m.statuses[200]).toBe(flood);
    expect(m.healthy).toBe(true);
    expect(m.after - m.before).toBeLessThan(100);
  }, 180_000);
});
