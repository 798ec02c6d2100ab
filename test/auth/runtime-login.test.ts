import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthStatus } from "../../src/auth/types.ts";
import { type FhirPeer, freePort, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { createHttpClient } from "../peers/http-client.ts";
import { type SmartPeer, startSmartPeer } from "../peers/smart-server.ts";
import { clientId, pid } from "./_world.ts";

// The real entry point (`npm start` under Deno with its permissions, `npm run start:node`),
// its default Deno KV store and dev master key, and a platform registered through
// FHIR_GATEWAY_PLATFORMS_DIR: a whole login against the SMART and FHIR peers.
const root = new URL("../..", import.meta.url).pathname;
const scripts = { deno: "start", node: "start:node" } as const;
type Runtime = keyof typeof scripts;

let smart: SmartPeer;
let fhir: FhirPeer;
const ports = {} as Record<Runtime, number>;
beforeAll(async () => {
  ports.deno = await freePort();
  ports.node = await freePort();
  smart = await startSmartPeer({
    clients: [{
      client_id: clientId,
      redirect_uris: Object.values(ports).map((p) => `http://127.0.0.1:${p}/auth/callback`),
    }],
  });
  fhir = await startFhirPeer({ auth: smart.fhirAuth });
  smart.setAudience(fhir.baseUrl);
});
afterAll(async () => {
  await fhir?.close();
  await smart?.close();
});

describe.each(Object.keys(scripts) as Runtime[])("npm start under %s", (runtime) => {
  const port = () => ports[runtime];
  const dataDir = () => `./data/auth-${runtime}-${port()}`;
  let child: ChildProcess;
  const output: string[] = [];
  beforeAll(async () => {
    const platforms = `${root}/${dataDir()}/platforms`;
    await mkdir(platforms, { recursive: true });
    await writeFile(
      `${platforms}/${pid}.json`,
      JSON.stringify({
        id: pid,
        name: "SMART test platform",
        type: "sandbox",
        fhir_base_url: fhir.baseUrl,
        oauth: { discovery_url: `${smart.issuer}/.well-known/smart-configuration` },
      }),
    );
    child = spawn("npm", ["run", "--silent", scripts[runtime]], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        FHIR_GATEWAY_PORT: String(port()),
        FHIR_GATEWAY_PUBLIC_URL: `http://127.0.0.1:${port()}`,
        FHIR_GATEWAY_DATA_DIR: dataDir(),
        FHIR_GATEWAY_PLATFORMS_DIR: `${dataDir()}/platforms`,
        FHIR_GATEWAY_PLATFORM_SMART_TEST_CLIENT_ID: clientId,
        FHIR_GATEWAY_LOG_LEVEL: "info",
      },
    });
    child.stdout!.on("data", (d) => output.push(String(d)));
    child.stderr!.on("data", (d) => output.push(String(d)));
    await waitForHealth(`http://127.0.0.1:${port()}`, child, output);
  }, 60_000);
  afterAll(async () => {
    if (child?.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
    await rm(`${root}/${dataDir()}`, { recursive: true, force: true });
  });

  it("logs in, reads with the token from its KV store, and logs out", async () => {
    const gateway = `http://127.0.0.1:${port()}`;
    const health = await (await fetch(`${gateway}/health`)).json();
    expect(health).toMatchObject({ runtime, store: "kv" });
    const http = createHttpClient();
    const read = () => http.fetch(`${gateway}/api/fhir/${pid}/Patient/${JOHNNIE_ID}`);
    expect((await read()).status).toBe(401);
    const { response } = await http.follow(`${gateway}/auth/${pid}/login`);
    expect(response?.status).toBe(200);
    expect(await response!.text()).toContain("Logged in");
    const status = await (await http.fetch(`${gateway}/auth/${pid}/status`)).json() as AuthStatus;
    expect(status).toMatchObject({ state: "active", patient: JOHNNIE_ID });
    expect((await read()).status).toBe(200);
    expect((await http.fetch(`${gateway}/auth/${pid}/logout`, { method: "POST" })).status)
      .toBe(200);
    expect((await read()).status).toBe(401);
    expect(output.join("")).toContain("generated a development master key");
  }, 30_000);
});

async function waitForHealth(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${output.join("")}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${output.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
