import { createServer } from "node:http";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A listening loopback server. */
export interface ServedNode {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

/** A web-standard handler, as used by every peer. */
export type WebHandler = (request: Request) => Response | Promise<Response>;

/**
 * Listens on a free loopback port (port 0 on 127.0.0.1) with a node request listener.
 * The listener may be swapped later with `setListener` (the OIDC peer needs its origin
 * before it can build its handler).
 */
export async function serveNode(
  listener: RequestListener,
): Promise<ServedNode & { setListener(l: RequestListener): void }> {
  let current = listener;
  const server = createServer((req, res) => current(req, res));
  // Tests close peers while clients may still hold keep-alive sockets.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    setListener(l: RequestListener): void {
      current = l;
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Adapts a web-standard handler to a node request listener. */
export function toNodeListener(origin: string, handler: WebHandler): RequestListener {
  return (req, res) => {
    void respond(origin, handler, req, res);
  };
}

async function respond(
  origin: string,
  handler: WebHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const aborter = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborter.abort();
  });
  try {
    const request = await toRequest(origin, req, aborter.signal);
    const response = await handler(request);
    res.statusCode = response.status;
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") res.setHeader(name, value);
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) res.setHeader("set-cookie", cookies);
    const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
    res.end(body);
  } catch (error) {
    if (aborter.signal.aborted || res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = 500;
    res.setHeader("content-type", "text/plain");
    res.end(`Test peer failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function toRequest(
  origin: string,
  req: IncomingMessage,
  signal: AbortSignal,
): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const body = hasBody ? await readBody(req) : undefined;
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: body && body.length > 0 ? new Uint8Array(body) : undefined,
    signal,
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
