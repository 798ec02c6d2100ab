/**
 * A real Redis for tests: Debian's `redis-server` on a free loopback port, no persistence,
 * stopped by `stop()`. Installs the package with apt-get when it is missing (the test command
 * does that too; see scripts/ensure-test-deps.sh).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer, Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running redis-server. */
export interface RedisPeer {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Stops the server for good and removes its data. */
  stop(): Promise<void>;
  /** Stops the process (an outage: connections are refused); `start()` brings it back. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder (after `kill()`). */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  /** Lets a paused process run again (SIGCONT). */
  resume(): void;
}

/** Options of startRedisServer. */
export interface RedisServerOptions {
  /** Keep data across kill()/start() (an append-only file in its folder); default off. */
  persist?: boolean;
}

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisPeer> {
  const binary = ensureRedisServer();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "gw-redis-"));
  const persistence = options.persist
    ? ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
    : ["--save", "", "--appendonly", "no"];
  const args = ["--port", String(port), "--bind", "127.0.0.1", ...persistence, "--dir", dir];
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    started.stdout?.on("data", (d) => (output += String(d)));
    started.stderr?.on("data", (d) => (output += String(d)));
    try {
      await waitForPing(port, started, () => output);
    } catch (err) {
      started.kill("SIGKILL");
      throw err;
    }
    child = started;
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGCONT");
      running.kill("SIGTERM");
      await exited;
    }
  };
  try {
    await launch();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    kill: halt,
    start: launch,
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
  };
}

function ensureRedisServer(): string {
  const find = () => {
    try {
      return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  let path = find();
  if (!path) {
    execFileSync("sh", ["-c", "apt-get install -y -qq --no-install-recommends redis-server"], {
      stdio: "ignore",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    path = find();
  }
  if (!path) throw new Error("redis-server is not installed; run `apt-get install redis-server`.");
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output().slice(-500)}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${port}: ${output().slice(-500)}`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (d) => done(String(d).startsWith("+PONG")));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}
