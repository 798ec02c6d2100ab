/** Throughput with wrk (Debian's package): one thread, a few connections, a few seconds. */
import { spawn } from "node:child_process";

/** What one wrk run measured. */
export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  /** Answers outside 2xx/3xx, and socket errors: a run with any is not a valid figure. */
  non2xx: number;
  socketErrors: number;
}

/** Parses wrk's text report. */
export function parseWrk(text: string): WrkResult {
  const rps = text.match(/Requests\/sec:\s+([\d.]+)/);
  const total = text.match(/(\d+) requests in/);
  if (!rps || !total) throw new Error(`unexpected wrk output: ${text.slice(0, 300)}`);
  const non2xx = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const sock = text.match(
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/,
  );
  const socketErrors = sock ? sock.slice(1).reduce((a, n) => a + Number(n), 0) : 0;
  return { requestsPerSecond: Number(rps[1]), requests: Number(total[1]), non2xx, socketErrors };
}

/** Runs `wrk -t1 -c<connections> -d<seconds>s` against `url`. */
export function runWrk(
  url: string,
  o: { seconds: number; connections: number; headers?: Record<string, string> },
): Promise<WrkResult> {
  const args = ["-t1", `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "10s"];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`wrk exited ${code}: ${out.slice(0, 300)}`));
      try {
        resolve(parseWrk(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}
