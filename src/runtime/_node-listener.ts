/**
 * The Node request listener of serve(): @hono/node-server's, with two shortcuts. An answer
 * whose body is an unread upstream body of the Node client (node-fetch.ts) is written straight
 * from the upstream message to the caller's socket: no web stream is read, the headers go out
 * with the first bytes, and an upstream Content-Length is kept (no chunked framing). Every
 * other answer is written by node-server as before. And a GET or HEAD request's `body` is
 * null without building the full Request behind node-server's lightweight one.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import { takeNodeBody } from "./_node-fetch-body.ts";

/** A fetch handler as node-server calls it: the request and its env (`incoming`, `outgoing`). */
export type NodeHandler = (
  request: Request,
  env: { incoming: IncomingMessage; outgoing: ServerResponse },
) => Response | Promise<Response>;

/** Builds the listener; `errorHandler` answers what node-server refuses or the handler throws. */
export async function nodeListener(
  handler: NodeHandler,
  options: { hostname: string; errorHandler: (err: unknown) => Response },
): Promise<RequestListener> {
  const { RESPONSE_ALREADY_SENT } = await import("@hono/node-server/utils/response");
  // node-server recognizes this sentinel only as a full Response: made after node-server
  // replaced the global Response (another serve() in this process), it is a lightweight one
  // until its body is read once.
  void RESPONSE_ALREADY_SENT.body;
  const listener = getRequestListener(async (request, bindings) => {
    // serve() listens with node:http, so these are HTTP/1 bindings.
    const env = bindings as { incoming: IncomingMessage; outgoing: ServerResponse };
    // A GET or HEAD has no body; node-server's lightweight request would build a full Request
    // to say so (the body limit asks every request): about a sixth of a /health/live.
    if (request.method === "GET" || request.method === "HEAD") {
      Object.defineProperty(request, "body", { value: null });
    }
    const response = await handler(request, env);
    return writePiped(response, env.outgoing) ? RESPONSE_ALREADY_SENT : response;
  }, options);
  bodyKey ??= findBodyKey();
  return listener;
}

/**
 * node-server's lightweight Response keeps [status, body, headers] under a private symbol
 * until something reads `body` (which builds a full Response). The key is found once, on a
 * probe; when a node-server release drops it, `body` is read instead (a little slower).
 */
let bodyKey: symbol | null | undefined;

function findBodyKey(): symbol | null {
  const probe = new Response("probe");
  for (const key of Object.getOwnPropertySymbols(probe)) {
    const value = (probe as unknown as Record<symbol, unknown>)[key];
    if (Array.isArray(value) && value[1] === "probe") return key;
  }
  return null;
}

function bodyOf(response: Response): unknown {
  const cached = bodyKey ? (response as unknown as Record<symbol, unknown[]>)[bodyKey] : undefined;
  return cached ? cached[1] : response.body;
}

/** Writes `response` when its body is an unread upstream body; false leaves it to node-server. */
function writePiped(response: Response, outgoing: ServerResponse): boolean {
  const body = bodyOf(response);
  if (!(body instanceof ReadableStream)) return false;
  const piped = takeNodeBody(body);
  if (!piped) return false;
  const headers: string[] = [];
  let framed = false;
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    if (name === "content-length" || name === "transfer-encoding") framed = true;
    headers.push(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push("set-cookie", cookie);
  const { source, message } = piped;
  // All of a small answer is often here already: then one write carries headers and body.
  const whole = source === message && message.complete
    ? (message.read() as Buffer | null) ?? Buffer.alloc(0)
    : undefined;
  const length = whole ? whole.length : piped.length;
  if (!framed && length !== undefined) headers.push("content-length", String(length));
  outgoing.writeHead(response.status, headers);
  if (whole) {
    outgoing.end(whole);
    return true;
  }
  pipeline(source, outgoing, (err) => {
    // A caller that went away, or an upstream cut off mid-body: neither connection is reused.
    if (err) {
      source.destroy();
      message.destroy();
    }
  });
  return true;
}
