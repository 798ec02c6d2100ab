/**
 * The real entry point (src/main.ts) as a child process under Deno or Node, with two
 * platforms on the same upstream: `bench` (no OAuth) and `bench-smart` (SMART, discovered at
 * the SMART peer). The child's pid is the server's own, so its RSS can be read.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import process from "node:process";
import { createHttpClient } from "../../test/peers/http-client.ts";
import { waitForPort } from "./ports.ts";

/** The runtimes the gateway is measured under. */
export type Runtime = "deno" | "node";

/** The platform without OAuth, and the SMART one. */
export const openPlatform = "bench";
export const smartPlatform = "bench-smart";
/** The client id the SMART peer knows the gateway by. */
export const benchClientId = "bench-gateway";

/** A running gateway child. */
export interface GatewayChild {
  runtime: Runtime;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Command and arguments that run src/main.ts under `runtime` (`extra` runtime flags first). */
export function gatewayCommand(runtime: Runtime, extra: string[] = []): [string, string[]] {
  if (runtime === "deno") {
    return [
      "node_modules/.bin/deno",
      [
        "run",
        // As `npm start` runs it: V8's young generation capped (see the README's Performance).
        "--v8-flags=--max-semi-space-size=8",
        ...extra,
        "--allow-net",
        "--allow-env",
        "--allow-read=.",
        "--allow-write=./data",
        "src/main.ts",
      ],
    ];
  }
  return [
    process.execPath,
    ["--max-semi-space-size=8", ...extra, "--import", "tsx", "src/main.ts"],
  ];
}

/** Writes the two platform files into `dir`. */
export async function writePlatforms(dir: string, upstreamBase: string, issuer: string) {
  await mkdir(dir, { recursive: true });
  await writeFile(
    `${dir}/${openPlatform}.json`,
    JSON.stringify({
      id: openPlatform,
      name: "Bench",
      type: "sandbox",
      fhir_base_url: upstreamBase,
    }),
  );
  await writeFile(
    `${dir}/${smartPlatform}.json`,
    JSON.stringify({
      id: smartPlatform,
      name: "Bench SMART",
      type: "sandbox",
      fhir_base_url: upstreamBase,
      oauth: { discovery_url: `${issuer}/.well-known/smart-configuration` },
    }),
  );
}

/** Starts the gateway on `port` (data under ./data/bench-<runtime>-<port>); waits for /health. */
export async function startGateway(
  root: string,
  runtime: Runtime,
  port: number,
  platformsDir: string,
  o: { runtimeFlags?: string[]; env?: Record<string, string> } = {},
): Promise<GatewayChild> {
  const url = `http://127.0.0.1:${port}`;
  const [cmd, args] = gatewayCommand(runtime, o.runtimeFlags);
  const output: string[] = [];
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    // stdout (one audit line per FHIR call) goes to /dev/null, as to a log collector that
    // keeps up; a pipe read by this process would throttle the gateway when it falls behind.
    stdio: ["ignore", process.env.BENCH_GATEWAY_STDOUT === "pipe" ? "pipe" : "ignore", "pipe"],
    env: {
      ...process.env,
      FHIR_GATEWAY_HOST: "127.0.0.1",
      FHIR_GATEWAY_PORT: String(port),
      FHIR_GATEWAY_PUBLIC_URL: url,
      FHIR_GATEWAY_DATA_DIR: `./data/bench-${runtime}-${port}`,
      FHIR_GATEWAY_PLATFORMS_DIR: platformsDir,
      FHIR_GATEWAY_PLATFORM_BENCH_SMART_CLIENT_ID: benchClientId,
      // The bench measures the proxy path: no per-address limit, one warn line at most.
      FHIR_GATEWAY_RATE_LIMIT_ADDRESS: "0",
      FHIR_GATEWAY_RATE_LIMIT_SESSION: "0",
      FHIR_GATEWAY_LOG_LEVEL: "warn",
      ...o.env,
    },
  });
  // Audit lines go to stdout, one per FHIR call: keep only the tail for error messages.
  const keep = (d: unknown) => {
    output.push(String(d));
    if (output.length > 50) output.splice(0, output.length - 50);
  };
  child.stdout?.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await waitForPort(port, () => {
    if (child.exitCode !== null) throw new Error(`gateway (${runtime}) exited: ${output.join("")}`);
  }, 90_000);
  for (let i = 0;; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300) throw new Error(`gateway (${runtime}) not healthy: ${output.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    runtime,
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A real SMART login through the gateway; returns the session's Cookie header. */
export async function loginCookie(gatewayUrl: string): Promise<string> {
  const http = createHttpClient();
  const { response } = await http.follow(`${gatewayUrl}/auth/${smartPlatform}/login`);
  const text = await response?.text();
  if (response?.status !== 200 || !text?.includes("Logged in")) {
    throw new Error(`login failed: ${response?.status} ${text?.slice(0, 200)}`);
  }
  const cookie = http.jar.header(new URL(`${gatewayUrl}/api/fhir/${smartPlatform}/Patient/p1`));
  if (!cookie) throw new Error("the login set no session cookie");
  return cookie;
}
