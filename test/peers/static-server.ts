import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { serveNode, toNodeListener } from "./_node-serve.ts";
import type { WebHandler } from "./_node-serve.ts";

/** A tiny web-standard server for special cases (slow answers, 429, no /metadata...). */
export interface StaticPeer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Every request received, oldest first. */
  requests: Array<{ method: string; url: string; headers: Record<string, string> }>;
  close(): Promise<void>;
}

/** Starts `handler` on a free loopback port. Exceptions in `handler` become 500 text answers. */
export async function startStaticPeer(handler: WebHandler): Promise<StaticPeer> {
  const requests: StaticPeer["requests"] = [];
  const served = await serveNode(() => undefined);
  served.setListener(
    toNodeListener(served.origin, (request) => {
      requests.push({
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
      });
      return handler(request);
    }),
  );
  return { url: served.origin, requests, close: served.close };
}

const handedOut = new Set<number>();

/**
 * A TCP port that was free a moment ago on 127.0.0.1, for a server the test starts later.
 * It is drawn below the kernel's ephemeral range, so servers listening on port 0 meanwhile
 * (every peer does) cannot be given the same port; never the same port twice per process.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow() - 12_000;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error("No free port found below the ephemeral range after 50 tries");
}

function ephemeralLow(): number {
  try {
    const range = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
    const low = Number(range.trim().split(/\s+/)[0]);
    if (low > 13_000) return low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
  }
  return 49_152;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A loopback URL where nothing listens (connection refused), for 502 tests. */
export async function unusedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
