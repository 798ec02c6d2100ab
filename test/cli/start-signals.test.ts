import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { freePort } from "../peers/fhir-server.ts";

// Regression: SIGTERM sent to the npm process of `npm start` (Deno) or `npm run start:node`
// (tsx) killed npm and the `sh -c` between npm and the runtime, and left the gateway
// listening. The start scripts now `exec` the runtime, so npm's signal reaches it.
const root = new URL("../..", import.meta.url).pathname;

describe.each([["start"], ["start:node"]] as const)("npm run %s", (script) => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops the gateway when only the npm process gets ${signal}`, async () => {
      const port = await freePort();
      const dataDir = `./data/signals-${script.replace(":", "-")}-${port}`;
      const output: string[] = [];
      // Not detached: the signal goes to npm alone, as a service manager or `kill <pid>` does.
      const child = spawn("npm", ["run", "--silent", script], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          FHIR_GATEWAY_PORT: String(port),
          FHIR_GATEWAY_DATA_DIR: dataDir,
          FHIR_GATEWAY_STORE: "memory",
          FHIR_GATEWAY_LOG_LEVEL: "info",
        },
      });
      child.stdout!.on("data", (d) => output.push(String(d)));
      child.stderr!.on("data", (d) => output.push(String(d)));
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      try {
        await waitForHealth(`http://127.0.0.1:${port}`, child, output);
        const descendants = descendantsOf(child.pid!);
        expect(descendants.length).toBeGreaterThan(0);
        child.kill(signal);
        await exited;
        await waitUntil(() => descendants.every((pid) => !alive(pid)), 15_000);
        expect(descendants.filter(alive)).toEqual([]);
        expect(await listening(port)).toBe(false);
        expect(output.join("")).toContain("shutting down");
      } finally {
        for (const pid of descendantsOf(child.pid!)) tryKill(pid);
        tryKill(child.pid!);
        await rm(`${root}/${dataDir}`, { recursive: true, force: true });
      }
    }, 90_000);
  }
});

/** Every process below `pid` (children, grandchildren, ...), from `ps`. */
function descendantsOf(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.trim().split("\n")) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (p === undefined || pp === undefined) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function listening(port: number): Promise<boolean> {
  return await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
}

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

async function waitForHealth(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${output.join("")}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${output.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
