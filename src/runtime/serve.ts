import { deno } from "./detect.ts";

/** A running HTTP server. */
export interface RunningServer {
  /** Base URL it listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a web-standard fetch handler with Deno.serve or @hono/node-server. A port that is
 * taken (or not allowed) rejects with a one-line message saying what to do, not a stack.
 */
export async function serve(
  handler: (request: Request) => Response | Promise<Response>,
  options: { hostname: string; port: number },
): Promise<RunningServer> {
  if (deno) {
    let resolveAddr!: (a: { hostname: string; port: number }) => void;
    const listening = new Promise<{ hostname: string; port: number }>((r) => (resolveAddr = r));
    let server: ReturnType<typeof deno.serve>;
    try {
      server = deno.serve(
        { hostname: options.hostname, port: options.port, onListen: (a) => resolveAddr(a) },
        handler,
      );
    } catch (err) {
      throw listenError(err, options);
    }
    const addr = await listening;
    return {
      url: `http://${hostForUrl(options.hostname)}:${addr.port}`,
      port: addr.port,
      close: () => server.shutdown(),
    };
  }
  const { serve: nodeServe } = await import("@hono/node-server");
  return await new Promise<RunningServer>((resolve, reject) => {
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
    server.once("error", (err) => reject(listenError(err, options)));
  });
}

/** Turns a failed listen (Node's EADDRINUSE, Deno's AddrInUse, ...) into a clear message. */
function listenError(err: unknown, options: { hostname: string; port: number }): Error {
  const e = (err ?? {}) as { code?: string; name?: string; message?: string };
  const kind = e.code ?? e.name ?? "";
  const where = `${hostForUrl(options.hostname)}:${options.port}`;
  if (kind === "EADDRINUSE" || kind === "AddrInUse") {
    return new Error(
      `Cannot listen on ${where}: the port is already in use (another gateway?). ` +
        "Stop that process, or set FHIR_GATEWAY_PORT to a free port.",
    );
  }
  if (kind === "EACCES" || kind === "PermissionDenied") {
    return new Error(
      `Cannot listen on ${where}: permission denied. Use a port above 1023 (FHIR_GATEWAY_PORT).`,
    );
  }
  if (kind === "EADDRNOTAVAIL" || kind === "AddrNotAvailable") {
    return new Error(
      `Cannot listen on ${where}: no such address on this machine. Check FHIR_GATEWAY_HOST.`,
    );
  }
  return new Error(`Cannot listen on ${where}: ${e.message ?? String(err)}`);
}

function hostForUrl(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "::") return "localhost";
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}
