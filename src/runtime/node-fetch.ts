/**
 * The upstream `fetch` under Node: node:http and node:https with keep-alive Agents instead of
 * undici's global fetch (a bare node:http proxy of a 160 B read served 3,300/s with undici's
 * fetch, 11,900/s with a node:http client; issue 12). It keeps the parts of fetch's contract the gateway relies on: a Request or
 * (url, init), AbortSignal (rejects with the reason, errors a body being read, destroys the
 * socket), `redirect: "manual"`, string / bytes / URLSearchParams / ReadableStream bodies, a
 * web Response whose body streams with back-pressure, gzip / deflate / br decoded as undici
 * does, TLS with Node's default CAs, and TypeError("fetch failed") for a server that cannot
 * be reached. Calls it does not cover (a redirect to follow, a non-http scheme, credentials
 * in the URL) go to the global fetch unchanged. A Request's body is read whole before it is
 * sent, with its length, as fetch sends one (the gateway bounds bodies before they get here);
 * a ReadableStream in `init.body` is streamed, chunked.
 */
import {
  Agent as HttpAgent,
  type AgentOptions,
  type ClientRequest,
  type IncomingMessage,
  request as httpRequest,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  decodersFor,
  encodeBody,
  type EncodedBody,
  toWebBody,
  writeStreamBody,
} from "./_node-fetch-body.ts";
import { upstreamResponse } from "./_upstream-response.ts";

/** Limits of the connections the client holds open. */
export interface NodeFetchOptions {
  /** Most connections to one origin at once (more calls wait for one); default 64. */
  maxSocketsPerOrigin?: number;
  /**
   * How long an idle connection is kept for reuse, in ms; default 4000 (undici's). An
   * upstream's shorter `Keep-Alive: timeout=n` wins (less one second, as Node's Agent does).
   */
  idleTimeoutMs?: number;
  /** CAs trusted instead of Node's default bundle (tests with a self-signed server). */
  ca?: string | Buffer;
}

/** A fetch on node:http / node:https, and the connections behind it. */
export interface NodeFetch {
  fetch: typeof fetch;
  /** Connections open now, across origins: carrying a call, and idle in the pool. */
  connections(): { active: number; idle: number };
  /** Closes every connection (idle ones at once, active ones with their calls). */
  close(): void;
}

/** Default limits (README, Performance: what the gateway holds open). */
const nodeFetchDefaults = { maxSocketsPerOrigin: 64, idleTimeoutMs: 4000 } as const;

// Set by the client itself (Host, framing) or meaningless on a pooled connection.
const notForwarded = new Set([
  "connection",
  "content-length",
  "expect",
  "host",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);
const nullBodyStatus = new Set([204, 205, 304]);
const standardMethods = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);

/** How a call's promise is settled. */
interface Settle {
  resolve(response: Response | Promise<Response>): void;
  reject(reason: unknown): void;
}

interface Call {
  url: URL;
  method: string;
  headers: Headers;
  /** A Request stands for its own body, read whole before sending (as fetch sends its length). */
  body: BodyInit | Request | null | undefined;
  signal: AbortSignal | null | undefined;
}

/** Builds the client: one keep-alive Agent per scheme, pooling per origin. */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
  const max = options.maxSocketsPerOrigin ?? nodeFetchDefaults.maxSocketsPerOrigin;
  const agentOptions: AgentOptions = {
    keepAlive: true,
    maxSockets: max,
    maxFreeSockets: max,
    timeout: options.idleTimeoutMs ?? nodeFetchDefaults.idleTimeoutMs,
    // The most recently used connection first: under light load the extra ones go idle and close.
    scheduling: "lifo",
  };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent({ ...agentOptions, ca: options.ca });
  const fallback = globalThis.fetch.bind(globalThis);

  async function nodeFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const call = toCall(input, init);
    if (!call) return await fallback(input, init);
    call.signal?.throwIfAborted();
    const body = await encodeBody(
      call.body instanceof Request ? new Uint8Array(await call.body.arrayBuffer()) : call.body,
    );
    return await send(call, body, call.url.protocol === "https:", true);
  }

  function send(call: Call, body: EncodedBody, secure: boolean, retry: boolean) {
    return new Promise<Response>((resolve, reject) => {
      const { url, signal } = call;
      // Aborted while the body was being read (an abort event that fired before this listener).
      if (signal?.aborted) return reject(signal.reason);
      // The listeners below outlive the call on the pooled socket: they reach the promise (and
      // so the Response and its body) only through `pending`, dropped once settled, so that an
      // answer nobody reads can be collected (and its connection closed, _node-fetch-body.ts).
      let pending: Settle | undefined = { resolve, reject };
      const settle = () => {
        const p = pending;
        pending = undefined;
        return p;
      };
      const req: ClientRequest = (secure ? httpsRequest : httpRequest)({
        agent: secure ? https : http,
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port || undefined,
        path: url.pathname + url.search,
        method: call.method,
        headers: nodeHeaders(call.headers, body, secure),
      });
      let message: IncomingMessage | undefined;
      const onAbort = () => {
        const reason = signal!.reason;
        message?.destroy(reason);
        req.destroy();
        settle()?.reject(reason);
      };
      const release = () => signal?.removeEventListener("abort", onAbort);
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("error", (err: NodeJS.ErrnoException) => {
        const p = settle();
        if (!p) return; // after the headers, the body stream reports it
        release();
        // A kept-alive connection the upstream closed just as it was reused: once more, fresh.
        const stale = err.code === "ECONNRESET" || err.code === "EPIPE";
        if (retry && stale && req.reusedSocket && body.kind !== "stream") {
          p.resolve(send(call, body, secure, false));
          return;
        }
        p.reject(new TypeError("fetch failed", { cause: err }));
      });
      req.once("response", (res) => {
        message = res;
        const p = settle();
        res.once("end", release).once("close", release);
        try {
          p?.resolve(toResponse(call, res, signal));
        } catch (err) {
          release();
          res.destroy();
          p?.reject(err);
        }
      });
      if (body.kind === "bytes") req.end(body.bytes);
      else if (body.kind === "stream") void writeStreamBody(req, body.stream);
      else req.end();
    });
  }

  const count = (pools: NodeJS.ReadOnlyDict<unknown[]>) =>
    Object.values(pools).reduce((n, list) => n + (list?.length ?? 0), 0);
  return {
    fetch: nodeFetch as typeof fetch,
    connections: () => ({
      active: count(http.sockets) + count(https.sockets),
      idle: count(http.freeSockets) + count(https.freeSockets),
    }),
    close() {
      http.destroy();
      https.destroy();
    },
  };
}

/** The call's parts, or undefined when the global fetch should make it. */
function toCall(input: RequestInfo | URL, init: RequestInit | undefined): Call | undefined {
  let href: string;
  let o: RequestInit;
  let body: Call["body"];
  if (input instanceof Request) {
    const request = init ? new Request(input, init) : input;
    if (request.redirect !== "manual") return undefined;
    href = request.url;
    o = request;
    body = request.body === null ? null : request;
  } else {
    if (init?.redirect !== "manual") return undefined;
    href = input instanceof URL ? input.href : String(input);
    o = init;
    body = init.body;
  }
  const url = new URL(href);
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  const method = o.method ?? "GET";
  const upper = method.toUpperCase();
  return {
    url,
    method: standardMethods.has(upper) ? upper : method,
    headers: o.headers instanceof Headers ? o.headers : new Headers(o.headers),
    body,
    signal: o.signal,
  };
}

/** The headers to send: the caller's, with what fetch adds when the caller set none. */
function nodeHeaders(from: Headers, body: EncodedBody, secure: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of from) if (!notForwarded.has(name)) out[name] = value;
  if (body.kind !== "none" && body.contentType && out["content-type"] === undefined) {
    out["content-type"] = body.contentType;
  }
  if (body.kind === "bytes") out["content-length"] = String(body.bytes.byteLength);
  // What undici's fetch sends when they are missing (br only over TLS, as undici).
  out["accept"] ??= "*/*";
  out["accept-language"] ??= "*";
  out["accept-encoding"] ??= secure ? "br, gzip, deflate" : "gzip, deflate";
  out["user-agent"] ??= "node";
  return out;
}

/** The upstream message as a web Response (throws TypeError for what fetch refuses). */
function toResponse(
  call: Call,
  res: IncomingMessage,
  signal: AbortSignal | null | undefined,
): Response {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) {
    throw new TypeError("fetch failed", { cause: new Error(`Invalid status ${status}.`) });
  }
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  res.on("error", () => {}); // reported through the body stream, or nowhere when it has none
  if (call.method === "HEAD" || nullBodyStatus.has(status)) {
    res.resume();
    return upstreamResponse(status, res.statusMessage ?? "", headers, null);
  }
  const decoders = decodersFor(res.headers["content-encoding"]);
  return upstreamResponse(
    status,
    res.statusMessage ?? "",
    headers,
    toWebBody(res, decoders, signal),
  );
}
