import { createHash } from "node:crypto";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors.ts";
import { outcomeResponse } from "../../src/rest/errors.ts";
import { createNodeFetch, type NodeFetch } from "../../src/runtime/node-fetch.ts";
import { type RunningServer, serve } from "../../src/runtime/serve.ts";
import { makeTestApp } from "../helpers/test-app.ts";
import { startUpstream, until, type Upstream } from "./_upstream.ts";

// The gateway served by serve() under Node with the Node client upstream, as src/main.ts runs
// it: answers whose body is an unread upstream body are written straight from the upstream
// message to the caller's socket (src/runtime/_node-listener.ts).
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function served(
  handler: Parameters<typeof startUpstream>[0],
): Promise<{ up: Upstream; gw: RunningServer; log: string[]; client: NodeFetch }> {
  const up = await startUpstream(handler);
  open.push(up);
  const client = createNodeFetch();
  open.push(client);
  const t = await makeTestApp({
    platforms: [{ id: "up", fhir_base_url: `${up.url}/fhir` }],
    env: { FHIR_GATEWAY_AUTH_MODE: "open" },
    deps: { fetch: client.fetch },
  });
  const gw = await serve(t.app.fetch, {
    hostname: "127.0.0.1",
    port: 0,
    badRequest: (message) => outcomeResponse(new GatewayError("bad_request", message)),
  });
  open.push(gw);
  return { up, gw, log: t.log.lines, client };
}

/** GET over a fresh connection; the answer's head and its whole body. */
async function get(
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const req = httpRequest(url, { agent: false });
  req.end();
  const [res] = await once(req, "response");
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk);
  return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
}

const patient = JSON.stringify({ resourceType: "Patient", id: "p1", active: true });

describe("serve() under Node: upstream bodies written straight through", () => {
  it("answers a read with the upstream's bytes and length, and the gateway's own headers", async () => {
    const { gw } = await served((_req, res) => {
      res.writeHead(200, { "content-type": "application/fhir+json", etag: 'W/"1"' }).end(patient);
    });
    const res = await get(`${gw.url}/api/fhir/up/Patient/p1`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(patient);
    expect(res.headers).toMatchObject({
      "content-length": String(patient.length),
      "content-type": "application/fhir+json; charset=utf-8",
      etag: 'W/"1"',
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("streams a chunked 8 MB upstream body whole, and a gzip one decoded", async () => {
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 251;
    const { gw } = await served((req, res) => {
      if (req.url!.endsWith("/Binary/gz")) {
        res.writeHead(200, { "content-type": "application/fhir+json", "content-encoding": "gzip" });
        return void res.end(gzipSync(Buffer.from(patient)));
      }
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let at = 0; at < big.length; at += 1 << 20) res.write(big.subarray(at, at + (1 << 20)));
      res.end();
    });
    const binary = await get(`${gw.url}/api/fhir/up/Binary/b1`);
    expect(binary.status).toBe(200);
    expect(binary.headers["content-length"]).toBeUndefined();
    const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(digest(binary.body)).toBe(digest(big));
    const gz = await get(`${gw.url}/api/fhir/up/Binary/gz`);
    expect(gz.headers["content-encoding"]).toBeUndefined();
    expect(gz.body.toString()).toBe(patient);
  });

  it("closes the upstream connection when the caller goes away mid-body", async () => {
    let closed!: () => void;
    const upstreamGone = new Promise<void>((r) => (closed = r));
    const { gw, client } = await served((req, res) => {
      req.socket.once("close", closed);
      res.writeHead(200, { "content-type": "application/fhir+json", "content-length": 1 << 20 });
      res.write("{");
    });
    const req = httpRequest(`${gw.url}/api/fhir/up/Patient/p1`, { agent: false });
    req.end();
    const [res] = await once(req, "response");
    expect(res.statusCode).toBe(200);
    await once(res, "data");
    req.destroy();
    await upstreamGone;
    await until(() => client.connections().active === 0);
  });

  it("logs a caller that leaves before the upstream answers as 499, and closes that connection", async () => {
    let arrived!: () => void;
    let closed!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const upstreamGone = new Promise<void>((r) => (closed = r));
    const { gw, log } = await served((req) => {
      req.socket.once("close", closed);
      arrived();
    });
    const req = httpRequest(`${gw.url}/api/fhir/up/Patient/p1`, { agent: false });
    req.on("error", () => {});
    req.end();
    await reached;
    req.destroy();
    await upstreamGone;
    await until(() => log.some((l) => l.includes('"client closed"')));
    const line = JSON.parse(log.find((l) => l.includes('"client closed"'))!);
    expect(line).toMatchObject({ status: 499, route: "/api/fhir/:platform/*", platform: "up" });
  });
});

describe("serve() under Node: what the handler is given", () => {
  // Regression: guardEntry dropped the server's env, so c.env never held the socket and the
  // per-address rate limit put every caller in one "unknown" bucket.
  it("hands the handler node-server's env with the caller's socket", async () => {
    const gw = await serve(
      (_request, env) =>
        new Response(
          String(
            (env as { incoming?: { socket: { remoteAddress?: string } } }).incoming?.socket
              .remoteAddress,
          ),
        ),
      { hostname: "127.0.0.1", port: 0 },
    );
    open.push(gw);
    expect((await get(`${gw.url}/x`)).body.toString()).toBe("127.0.0.1");
  });

  it.each(["a b", "127.0.0.1:99999"])(
    "answers Host %j with the badRequest answer",
    async (host) => {
      const { gw } = await served((_req, res) => res.end());
      const socket = connect(gw.port, "127.0.0.1");
      socket.end(
        `GET /api/fhir/up/Patient/p1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString();
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expect(text).toContain('"resourceType":"OperationOutcome"');
    },
  );
});
