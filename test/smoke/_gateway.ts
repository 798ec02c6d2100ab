import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "../peers/fhir-server.ts";

/** The repository root, where `npm start` runs. */
export const root = new URL("../..", import.meta.url).pathname;

/** How a smoke test starts the gateway: an npm script, or a command of its own. */
export type Launch = { script: "start" | "start:node" } | { command: string[] };

/** Starts the gateway as a child process group with `env` added to this process's. */
export function spawnGateway(launch: Launch, env: Record<string, string>) {
  const output: string[] = [];
  const [cmd, ...args] = "script" in launch
    ? ["npm", "run", "--silent", launch.script]
    : launch.command;
  const child = spawn(cmd!, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  child.stdout!.on("data", (d) => output.push(String(d)));
  child.stderr!.on("data", (d) => output.push(String(d)));
  // The pipes end when every process of the group holding them has gone (npm exits first):
  // only then is all the gateway printed in `output`.
  const ended = Promise.all(
    [child.stdout!, child.stderr!].map((stream) =>
      new Promise<void>((resolve) => {
        if (stream.readableEnded) resolve();
        stream.once("close", () => resolve());
      })
    ),
  ).then(() => {});
  return { child, output, ended };
}

/** A gateway that answered /health, with what it printed so far. */
export interface StartedGateway {
  url: string;
  port: number;
  child: ChildProcess;
  output: string[];
  dataDir: string;
  /** Resolves once the gateway's output pipes have closed (all it printed is in `output`). */
  ended: Promise<void>;
}

/** Starts the gateway on a free port and waits (up to 45 s) until /health answers. */
export async function startGateway(
  launch: Launch,
  env: Record<string, string>,
  name: string,
): Promise<StartedGateway> {
  const port = await freePort();
  const dataDir = `./data/smoke-${name}-${port}`;
  const { child, output, ended } = spawnGateway(launch, {
    FHIR_GATEWAY_PORT: String(port),
    FHIR_GATEWAY_DATA_DIR: dataDir,
    FHIR_GATEWAY_LOG_LEVEL: "info",
    ...env,
  });
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
  return { url, port, child, output, dataDir, ended };
}

/** True while any process of the group `pgid` lives (the gateway under npm). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM to the child's process group and waits for the child to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
}

/** A raw HTTP/1.1 answer: status line number, headers (lower-case names) and body text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (request line and headers, without the final blank line) over a plain TCP
 * socket, so the Host header and target reach the server exactly as written (fetch would
 * fix them), and reads the answer until the server closes the connection.
 */
export function rawRequest(port: number, head: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      // No half-close: a server may drop a request whose client already sent FIN.
      socket.write(`${head}\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error("no answer within 20 s")));
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, split < 0 ? text.length : split)
        .split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(":");
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      let body = split < 0 ? "" : text.slice(split + 4);
      if (headers["transfer-encoding"] === "chunked") body = unchunk(body);
      resolve({ status: Number(statusLine.split(" ")[1] ?? 0), headers, body });
    });
  });
}

function unchunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size || eol < 0) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
