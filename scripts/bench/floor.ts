/** Starts scripts/bench/floor-server.ts (the bare passthrough) under a runtime. */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Runtime } from "./gateway.ts";
import { waitForPort } from "./ports.ts";

/** A running bare proxy. */
export interface Floor {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The bare proxy under `runtime` on `port`, forwarding to `upstreamBase`'s origin. */
export async function startFloor(
  root: string,
  runtime: Runtime,
  port: number,
  upstreamBase: string,
): Promise<Floor> {
  const file = "scripts/bench/floor-server.ts";
  const [cmd, args] = runtime === "deno"
    ? ["node_modules/.bin/deno", ["run", "--allow-net", "--allow-env", file]]
    : [process.execPath, ["--import", "tsx", file]];
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, FLOOR_PORT: String(port), FLOOR_UPSTREAM: upstreamBase },
  });
  const stderr: string[] = [];
  child.stderr!.on("data", (d) => stderr.push(String(d)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await waitForPort(port, () => {
    if (child.exitCode !== null) {
      throw new Error(`bare ${runtime} proxy exited: ${stderr.join("")}`);
    }
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
