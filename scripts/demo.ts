/**
 * `npm run demo`: a local FHIR server seeded with the Synthea patients (the Medplum engine of
 * test/peers/), a local SMART authorization server (oidc-provider, approves every login), and
 * the gateway configured for both as platform "synthea-demo" (a platform file in a temporary folder,
 * memory store, development master key). Prints what to open and what to try; SIGINT or
 * SIGTERM stops everything. Nothing leaves the machine: every server is on loopback.
 *
 *   npm run demo [-- --port <port>]     default port 8787 (FHIR_GATEWAY_PORT)
 *
 * The line `ready: <gateway url>` marks the moment all three servers answer.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../test/peers/fhir-server.ts";
import { type SmartPeer, startSmartPeer } from "../test/peers/smart-server.ts";
import { demoInstructions } from "./_demo-instructions.ts";

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Gateway port (default 8787; 0 is not allowed: the SMART client needs the redirect URI). */
  port: number;
  /** Where the gateway's output goes (default: this process's stdout/stderr). */
  gatewayOutput?: (chunk: string) => void;
}

/** The running demo. */
export interface Demo {
  gatewayUrl: string;
  platformId: string;
  fhir: FhirPeer;
  smart: SmartPeer;
  /** Stops the gateway, then the FHIR and SMART servers, and removes the temporary folder. */
  stop(): Promise<void>;
}

const platformId = "synthea-demo";
const clientId = "fhir-gateway-demo";
const root = fileURLToPath(new URL("..", import.meta.url));

/** Starts the SMART server, the FHIR server and the gateway (as a child process) and waits for all. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const gatewayUrl = `http://localhost:${options.port}`;
  const smart = await startSmartPeer({
    clients: [{
      client_id: clientId,
      redirect_uris: [`${gatewayUrl}/auth/callback`],
    }],
  });
  let fhir: FhirPeer | undefined;
  let dir: string | undefined;
  let gateway: ChildProcess | undefined;
  const stop = async () => {
    if (gateway) await stopChild(gateway);
    await fhir?.close();
    await smart.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    fhir = await startFhirPeer({ auth: smart.fhirAuth });
    smart.setAudience(fhir.baseUrl);
    dir = await mkdtemp(join(tmpdir(), "fhir-gateway-demo-"));
    await writeFile(
      join(dir, `${platformId}.json`),
      JSON.stringify(
        {
          id: platformId,
          name: "Demo: local FHIR server with Synthea patients",
          type: "sandbox",
          fhir_base_url: fhir.baseUrl,
          oauth: { discovery_url: `${smart.issuer}/.well-known/smart-configuration` },
        },
        null,
        2,
      ),
    );
    gateway = spawn(process.execPath, [...process.execArgv, join(root, "src", "main.ts")], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        FHIR_GATEWAY_HOST: "127.0.0.1",
        FHIR_GATEWAY_PORT: String(options.port),
        FHIR_GATEWAY_PUBLIC_URL: gatewayUrl,
        FHIR_GATEWAY_DATA_DIR: join(dir, "data"),
        FHIR_GATEWAY_STORE: "memory",
        FHIR_GATEWAY_ENV: "development",
        FHIR_GATEWAY_PLATFORMS_DIR: dir,
        FHIR_GATEWAY_PLATFORM_SYNTHEA_DEMO_CLIENT_ID: clientId,
        FHIR_GATEWAY_LOG_LEVEL: process.env.FHIR_GATEWAY_LOG_LEVEL ?? "warn",
        FHIR_GATEWAY_AUDIT_STDOUT: process.env.FHIR_GATEWAY_AUDIT_STDOUT ?? "false",
      },
    });
    const out = options.gatewayOutput ?? ((s: string) => process.stderr.write(s));
    gateway.stdout!.on("data", (d) => out(String(d)));
    gateway.stderr!.on("data", (d) => out(String(d)));
    await waitForHealth(gatewayUrl, gateway);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { gatewayUrl, platformId, fhir, smart, stop };
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) =>
      reject(
        new Error(
          `The gateway exited (status ${code}); its last lines are above. A port in use? Try --port <n>.`,
        ),
      ))
  );
  exited.catch(() => {});
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) await exited;
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`The gateway did not answer at ${url} in 60 s.`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, and SIGKILL if the gateway has not stopped after its own 10 s grace period. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Runs the demo until SIGINT or SIGTERM; the `demo` command of the CLI calls this. */
export async function runDemo(port: number): Promise<number> {
  let demo: Demo;
  try {
    demo = await startDemo({ port });
  } catch (err) {
    console.error(`The demo did not start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  console.log(demoInstructions({
    gatewayUrl: demo.gatewayUrl,
    platformId: demo.platformId,
    fhirBaseUrl: demo.fhir.baseUrl,
    issuer: demo.smart.issuer,
    patientId: JOHNNIE_ID,
  }));
  console.log(`ready: ${demo.gatewayUrl}`);
  await new Promise<void>((resolve) => {
    const onSignal = () => resolve();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  console.log("stopping the demo");
  await demo.stop();
  return 0;
}

/** The port from `--port <n>` / `--port=<n>`, FHIR_GATEWAY_PORT, or 8787. */
function portFrom(args: string[]): number {
  const i = args.findIndex((a) => a === "--port" || a.startsWith("--port="));
  const raw = i < 0
    ? process.env.FHIR_GATEWAY_PORT
    : args[i]!.includes("=")
    ? args[i]!.slice(7)
    : args[i + 1];
  const port = Number(raw ?? 8787);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`--port must be a port number from 1 to 65535, not "${raw}".`);
  }
  return port;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const unknown = process.argv.slice(2).filter((a, i, all) =>
    !(a === "--port" || a.startsWith("--port=") || all[i - 1] === "--port")
  );
  if (unknown.length > 0) {
    console.error(`Unknown argument "${unknown[0]}". Usage: npm run demo [-- --port <port>]`);
    process.exit(2);
  }
  let port: number;
  try {
    port = portFrom(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  process.exit(await runDemo(port));
}
