import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { bodyLimit } from "../../src/http/body-limit.ts";
import { silentLogger } from "../../src/log.ts";
import { createErrorHandler } from "../../src/rest/errors.ts";
import { json } from "../helpers/test-app.ts";
import { edgeApp, patientPeer } from "./_edge-app.ts";

// Issue 9 items 2 and 11: no REST body limit (50 MB creates streamed upstream, a 200 MB
// form body was read whole). Bodies are bounded before anything reads them.
let peer: Awaited<ReturnType<typeof patientPeer>>;
beforeAll(async () => {
  peer = await patientPeer();
});
afterAll(() => peer?.close());

const limit = 4096;
const app = () =>
  edgeApp({
    platforms: [{ id: "open", fhir_base_url: `${peer.url}/fhir` }],
    env: { FHIR_GATEWAY_MAX_BODY_BYTES: String(limit) },
  });

/** A body sent without Content-Length, in `chunks` chunks of 1 KiB. */
function chunked(chunks: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) return controller.close();
      controller.enqueue(new Uint8Array(1024).fill(0x61));
    },
  });
}

const fhirJson = { "content-type": "application/fhir+json" };

describe("body limit", () => {
  it("refuses a declared Content-Length over the limit with 413 before reading, and sends nothing upstream", async () => {
    const t = await app();
    const before = peer.requests.length;
    const response = await t.from("10.0.0.1", "/api/fhir/open/Patient", {
      method: "POST",
      headers: { ...fhirJson, "content-length": String(limit + 1) },
      body: "x".repeat(limit + 1),
    });
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({
      resourceType: "OperationOutcome",
      issue: [{ code: "too-costly" }],
    });
    expect(peer.requests.length).toBe(before);
    expect(t.audit).toContainEqual(
      expect.objectContaining({ action: "refusal", reason: "body_too_large" }),
    );
  });

  it("cuts off a chunked create that passes the limit while streaming: 413, and no complete body upstream", async () => {
    const t = await app();
    const bodies = peer.bodies.length;
    const response = await t.from("10.0.0.1", "/api/fhir/open/Patient", {
      method: "POST",
      headers: fhirJson,
      body: chunked(64),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ resourceType: "OperationOutcome" });
    expect(peer.bodies.slice(bodies).filter((n) => n > limit)).toEqual([]);
    expect(t.log.join("\n")).not.toContain("upstream_unreachable");
  });

  it("cuts off a chunked POST _search form body (anonymous) with 413", async () => {
    const t = await app();
    const response = await t.from("10.0.0.1", "/api/fhir/open/Patient/_search", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: chunked(64),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    await json(response);
  });

  it("passes a body within the limit through whole", async () => {
    const t = await app();
    const body = JSON.stringify({ resourceType: "Patient", note: "y".repeat(limit - 100) });
    const response = await t.from("10.0.0.1", "/api/fhir/open/Patient", {
      method: "POST",
      headers: fhirJson,
      body,
    });
    expect(response.status).toBeLessThan(300);
    await json(response);
    expect(peer.bodies.at(-1)).toBe(body.length);
  });

  it("answers 400 for a Content-Length that is not a number", async () => {
    const t = await app();
    const response = await t.from("10.0.0.1", "/api/fhir/open/Patient", {
      method: "POST",
      headers: { ...fhirJson, "content-length": "12abc" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    await json(response);
  });

  it("answers 413 even when the reader swallowed the cut-off and answered otherwise, without that answer's headers", async () => {
    const app = new Hono();
    app.onError(createErrorHandler(silentLogger));
    app.use(bodyLimit({ maxBytes: limit }));
    app.post("/x", async (c) => {
      try {
        await c.req.text();
        return c.text("read");
      } catch {
        return c.json({ error: "not JSON" }, 400, { etag: '"1"' });
      }
    });
    const response = await app.request("/x", {
      method: "POST",
      body: chunked(64),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(response.headers.has("etag")).toBe(false);
    expect(await json(response)).toMatchObject({ resourceType: "OperationOutcome" });
  });
});
