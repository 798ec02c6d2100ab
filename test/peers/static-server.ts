import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
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

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A loopback URL where nothing listens (connection refused), for 502 tests. */
export async function unusedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
