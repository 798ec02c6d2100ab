import { createServer as createHttpsServer } from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { createNodeFetch, type NodeFetch } from "../../src/runtime/node-fetch.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";
import { selfSignedCert, startUpstream, until, type Upstream } from "./_upstream.ts";

// The gateway with the Node client as its upstream fetch (as src/main.ts builds it under Node):
// how upstream failures reach the caller.
const clients: NodeFetch[] = [];
const upstreams: Upstream[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const u of upstreams.splice(0)) await u.close();
});

async function gatewayOn(
  base: string,
  env: Record<string, string> = {},
  client = createNodeFetch(),
) {
  clients.push(client);
  const t = await makeTestApp({
    platforms: [{ id: "up", fhir_base_url: `${base}/fhir` }],
    env: { FHIR_GATEWAY_AUTH_MODE: "open", ...env },
    deps: { fetch: client.fetch },
  });
  return { ...t, client, read: () => t.app.request("http://gateway.test/api/fhir/up/Patient/p1") };
}

type Outcome = { resourceType: string; issue: Array<{ diagnostics: string }> };

describe("upstream failures through the Node client", () => {
  it("answers a refused connection with the gateway's 502 OperationOutcome", async () => {
    const up = await startUpstream((_req, res) => res.end());
    await up.close();
    const g = await gatewayOn(up.url);
    const response = await g.read();
    expect(response.status).toBe(502);
    const body = await json<Outcome>(response);
    expect(body.resourceType).toBe("OperationOutcome");
    expect(body.issue[0]!.diagnostics).toContain("could not be reached");
  });

  it("answers an upstream that sends no headers in time with 504, and closes that connection", async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const up = await startUpstream((req) => void req.socket.once("close", closed));
    upstreams.push(up);
    const g = await gatewayOn(up.url, { FHIR_GATEWAY_UPSTREAM_TIMEOUT_MS: "200" });
    const response = await g.read();
    expect(response.status).toBe(504);
    expect((await json<Outcome>(response)).issue[0]!.diagnostics).toContain("within 200 ms");
    await gone;
    await until(() => g.client.connections().active === 0);
  });

  it("passes a read through with the gateway's headers, over one kept-alive connection", async () => {
    const patient = JSON.stringify({ resourceType: "Patient", id: "p1" });
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/fhir+json", etag: 'W/"3"' }).end(patient);
    });
    upstreams.push(up);
    const g = await gatewayOn(up.url);
    for (let i = 0; i < 3; i++) {
      const response = await g.read();
      expect(response.headers.get("etag")).toBe('W/"3"');
      expect(await json(response)).toEqual({ resourceType: "Patient", id: "p1" });
    }
    expect(up.seen[0]!.headers.accept).toBe("application/fhir+json");
    expect(new Set(up.seen.map((s) => s.remotePort)).size).toBe(1);
  });
});

const tls = selfSignedCert();

describe.skipIf(!tls)("https upstreams through the Node client", () => {
  async function httpsUpstream() {
    const server = createHttpsServer({ key: tls!.key, cert: tls!.cert });
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/fhir+json" });
      res.end(JSON.stringify({ resourceType: "Patient", id: "p1" }));
    }, { server, scheme: "https" });
    upstreams.push(up);
    return up;
  }

  it("reads over TLS from a server whose certificate it trusts", async () => {
    const up = await httpsUpstream();
    const g = await gatewayOn(up.url, {}, createNodeFetch({ ca: tls!.cert }));
    const response = await g.read();
    expect(await json(response)).toEqual({ resourceType: "Patient", id: "p1" });
    // br is asked for over TLS only, as undici does.
    expect(up.seen[0]!.headers["accept-encoding"]).toBe("br, gzip, deflate");
  });

  it("refuses a self-signed server with the default CAs: 502, the request never sent", async () => {
    const up = await httpsUpstream();
    const g = await gatewayOn(up.url);
    expect((await g.read()).status).toBe(502);
    expect(up.seen).toHaveLength(0);
  });
});
