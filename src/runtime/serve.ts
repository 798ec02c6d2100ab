import { deno } from "./detect.ts";

/** A running HTTP server. */
export interface RunningServer {
  /** Base URL it listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A fetch handler, as both servers call it: the request and the server's env (Deno.serve's
 * info with `remoteAddr`, node-server's `incoming` socket), which Hono hands on as `c.env`.
 */
export type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

/** Options of serve(). */
export interface ServeOptions {
  hostname: string;
  port: number;
  /**
   * The answer to a request whose URL cannot be parsed (an invalid Host header such as
   * `a b` or `127.0.0.1:99999`): main.ts passes a 400 OperationOutcome. Default: plain 400.
   */
  badRequest?: (message: string) => Response;
}

const badRequestMessage =
  "The request's Host header or target is malformed; send a valid host[:port] and path.";

/**
 * Serves a web-standard fetch handler with Deno.serve or @hono/node-server. A port that is
 * taken (or not allowed) rejects with a one-line message saying what to do, not a stack.
 * Both runtimes hand the handler the same request: a URL that parses, with dot segments
 * (`..`, `%2e%2e`) resolved, and no user info; anything else gets `badRequest`.
 */
export async function serve(
  app: FetchHandler,
  options: ServeOptions,
): Promise<RunningServer> {
  const badRequest = () =>
    options.badRequest?.(badRequestMessage) ?? new Response("Bad Request", { status: 400 });
  const handler = guardEntry(app, badRequest);
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
  const { nodeListener } = await import("./_node-listener.ts");
  const { createServer } = await import("node:http");
  const server = createServer(
    await nodeListener(handler, {
      hostname: options.hostname,
      // @hono/node-server refuses an invalid Host or target itself (RequestError) before
      // calling the handler; answer those as the Deno path does.
      errorHandler: (err) =>
        (err as Error)?.name === "RequestError"
          ? badRequest()
          : new Response("Internal Server Error", { status: 500 }),
    }),
  );
  return await new Promise<RunningServer>((resolve, reject) => {
    server.once("error", (err) => reject(listenError(err, options)));
    server.listen(options.port, options.hostname, () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://${hostForUrl(options.hostname)}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * Makes the request every handler sees the same under both runtimes. Deno.serve builds
 * `request.url` from the raw Host header and path, so an invalid Host made every
 * `new URL(c.req.url)` throw (500) and `%2e%2e` reached the router undecoded; Node's server
 * parses and normalizes the URL before the handler runs. Here the URL is parsed once: a URL
 * that does not parse (or carries user info) is refused, a normalized one replaces the raw.
 */
export function guardEntry(handler: FetchHandler, badRequest: () => Response): FetchHandler {
  return function guardedEntry(request, env) {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return badRequest();
    }
    if (url.username || url.password || !/^https?:$/.test(url.protocol)) return badRequest();
    if (url.href === request.url) return handler(request, env);
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      redirect: request.redirect,
    };
    if (request.body) init.duplex = "half";
    return handler(new Request(url.href, init), env);
  };
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
