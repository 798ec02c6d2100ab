/**
 * Which runtime runs us. The rest of src/runtime/ branches on this; nothing outside
 * src/runtime/ may touch `Deno.*`, `process` or `node:*`.
 */

/** The slice of the Deno namespace the runtime layer uses, typed without Deno's lib. */
export interface DenoLike {
  env: { toObject(): Record<string, string> };
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, data: string, options?: { mode?: number }): Promise<void>;
  readDir(path: string): AsyncIterable<{ name: string; isFile: boolean; isDirectory: boolean }>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean }>;
  chmod(path: string, mode: number): Promise<void>;
  cwd(): string;
  exit(code: number): never;
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
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
