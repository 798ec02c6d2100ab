/**
 * Which runtime runs us. Only serve(), openKv() and upstreamFetch() differ between Deno and
 * Node; everything else in src/runtime/ uses node:fs, node:path and node:process, which Deno 2
 * provides too.
 * Nothing outside src/runtime/ may touch `Deno.*`, `process` or `node:*`.
 */

/** The slice of the Deno namespace serve() and openKv() use, typed without Deno's lib. */
export interface DenoLike {
  // deno-lint-ignore no-explicit-any
  openKv(path?: string): Promise<any>;
  serve(
    options: {
      hostname?: string;
      port?: number;
      signal?: AbortSignal;
      onListen?: (addr: { hostname: string; port: number }) => void;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
  version: { deno: string };
}

/** The Deno namespace when running under Deno, else undefined. */
export const deno: DenoLike | undefined = (globalThis as { Deno?: DenoLike }).Deno;

/** "deno" or "node". */
export const runtimeName: "deno" | "node" = deno ? "deno" : "node";
