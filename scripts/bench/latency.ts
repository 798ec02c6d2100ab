/** Latency one request at a time, over one kept-alive connection (node:http). */
import { Agent, request } from "node:http";

/** The p-th quantile (0..1) of sorted values. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Sends `n` GETs one after another (after `warmup` more); returns the sorted times in ms. */
export async function sequentialTimes(
  url: string,
  o: { n: number; warmup: number; headers?: Record<string, string> },
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  try {
    for (let i = 0; i < o.warmup + o.n; i++) {
      const t0 = performance.now();
      await get(url, agent, o.headers ?? {});
      if (i >= o.warmup) times.push(performance.now() - t0);
    }
  } finally {
    agent.destroy();
  }
  return times.sort((a, b) => a - b);
}

/** One GET, the whole body read; rejects on anything but 200. Resolves the byte count. */
export function get(url: string, agent: Agent, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.once(
        "end",
        () =>
          res.statusCode === 200
            ? resolve(bytes)
            : reject(new Error(`GET ${new URL(url).pathname} answered ${res.statusCode}`)),
      );
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}
