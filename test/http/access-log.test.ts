import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/runtime/serve.ts";
import { json } from "../helpers/test-app.ts";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";
import { edgeApp, patientPeer } from "./_edge-app.ts";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let peer: StaticPeer;
beforeAll(async () => {
  peer = await patientPeer();
});
afterAll(() => peer?.close());

const lines = (log: string[], msg: string) =>
  log.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

describe("request id", () => {
  const proxied = { FHIR_GATEWAY_TRUSTED_PROXIES: "10.0.0.0/8" };

  it("replaces an id sent by a caller that is not a trusted proxy", async () => {
    const t = await edgeApp({ env: proxied });
    const response = await t.from("192.0.2.1", "/api/platforms", {
      headers: { "x-request-id": "planted-id" },
    });
    expect(response.headers.get("x-request-id")).toMatch(uuid);
  });

  it("keeps a well-formed id from a trusted proxy, and replaces a malformed one", async () => {
    const t = await edgeApp({ env: proxied });
    const kept = await t.from("10.1.2.3", "/api/platforms", {
      headers: { "x-request-id": "lb-7f3a.01:x=1" },
    });
    expect(kept.headers.get("x-request-id")).toBe("lb-7f3a.01:x=1");
    for (const bad of ["a b", "x".repeat(129), 'id"\\n{"level":"error"}']) {
      const replaced = await t.from("10.1.2.3", "/api/platforms", {
        headers: { "x-request-id": bad },
      });
      expect(replaced.headers.get("x-request-id")).toMatch(uuid);
    }
    // The id is in the access log line of its request.
    expect(lines(t.log, "request")[0]).toMatchObject({ request_id: "lb-7f3a.01:x=1" });
  });
});

describe("access log", () => {
  it("writes one info line per request with the route pattern and platform, never the path's ids or query values", async () => {
    const t = await edgeApp({ platforms: [{ id: "open", fhir_base_url: `${peer.url}/fhir` }] });
    const read = await t.from("10.0.0.1", "/api/fhir/open/Patient/secret-id-4711?_elements=name");
    await json(read);
    const search = await t.from(
      "10.0.0.1",
      "/api/fhir/open/Patient?name=Hermiston71&birthdate=1970-01-01",
    );
    await json(search);
    await json(await t.from("10.0.0.1", "/api/fhir/Invented-Name-Smith/Patient"));
    const access = lines(t.log, "request");
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({
      level: "info",
      method: "GET",
      route: "/api/fhir/:platform/*",
      platform: "open",
      status: 200,
      request_id: read.headers.get("x-request-id"),
    });
    expect(typeof access[0]!.duration_ms).toBe("number");
    // A platform the catalog does not know is not written as the caller typed it.
    expect(access[2]).toMatchObject({ platform: "(unknown)", status: 404 });
    const all = t.log.join("\n");
    for (const secret of ["secret-id-4711", "Hermiston71", "1970-01-01", "Invented-Name-Smith"]) {
      expect(all).not.toContain(secret);
    }
  });

  it("logs a caller that disconnects as 499 client closed, not as an unreachable upstream (issue 9 item 12)", async () => {
    // The upstream holds every request until the gateway gives up on it.
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const hanging = await startStaticPeer((request) => {
      arrived();
      return new Promise<Response>((resolve) => {
        request.signal.addEventListener("abort", () => resolve(new Response(null)));
      });
    });
    const t = await edgeApp({ platforms: [{ id: "slow", fhir_base_url: `${hanging.url}/fhir` }] });
    const server = await serve(t.app.fetch, { hostname: "127.0.0.1", port: 0 });
    try {
      const caller = new AbortController();
      const pending = fetch(`${server.url}/api/fhir/slow/Patient/p1`, { signal: caller.signal })
        .catch(() => "aborted");
      await reached;
      caller.abort();
      expect(await pending).toBe("aborted");
      await until(() => lines(t.log, "client closed").length > 0);
      expect(lines(t.log, "client closed")[0]).toMatchObject({
        level: "info",
        status: 499,
        route: "/api/fhir/:platform/*",
        platform: "slow",
      });
      const warned = t.log.filter((l) => /"level":"(warn|error)"/.test(l));
      expect(warned).toEqual([]);
    } finally {
      await server.close();
      await hanging.close();
    }
  });
});

/** Waits for a condition the server reaches on its own (bounded, not a guess at timing). */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 20));
  }
}
