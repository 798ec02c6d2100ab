import { deno } from "./detect.ts";

/** The fetch the app sends upstream calls with, and how to let go of its connections. */
export interface UpstreamFetch {
  fetch: typeof fetch;
  close(): void;
}

/**
 * Deno's own fetch under Deno (it pools connections per origin and is fast); under Node the
 * node:http client of node-fetch.ts, since undici's global fetch was the slowest part of a
 * proxied read there. Loaded only under Node, so Deno never loads node:http for it.
 */
export async function upstreamFetch(): Promise<UpstreamFetch> {
  if (deno) return { fetch: globalThis.fetch.bind(globalThis), close: () => {} };
  const { createNodeFetch } = await import("./node-fetch.ts");
  return createNodeFetch();
}
