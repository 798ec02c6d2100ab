import { deno } from "./detect.ts";

/** A running HTTP server. */
export interface RunningServer {
  /** Base URL it listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves a web-standard fetch handler with Deno.serve or @hono/node-server. */
export async function serve(
  handler: (request: Request) => Response | Promise<Response>,
  options: { hostname: string; port: number },
): Promise<RunningServer> {
  if (deno) {
    let resolveAddr!: (a: { hostname: string; port: number }) => void;
    const listening = new Promise<{ hostname: string; port: number }>((r) => (resolveAddr = r));
    const server = deno.serve(
      { hostname: options.hostname, port: options.port, onListen: (a) => resolveAddr(a) },
      handler,
    );
    const addr = await listening;
    return {
      url: `http://${hostForUrl(options.hostname)}:${addr.port}`,
      port: addr.port,
      close: () => server.shutdown(),
    };
  }
  const { serve: nodeServe } = await import("@hono/node-server");
  return await new Promise<RunningServer>((resolve) => {
    const server = nodeServe(
      { fetch: handler, hostname: options.hostname, port: options.port },
      (info) => {
        resolve({
          url: `http://${hostForUrl(options.hostname)}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              const s = server as unknown as { closeAllConnections?: () => void };
              server.close(() => done());
              s.closeAllConnections?.();
            }),
        });
      },
    );
  });
}

function hostForUrl(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "::") return "localhost";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
