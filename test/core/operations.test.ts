import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymousCaller, type Caller } from "../../src/core/caller.ts";
import { toPlatformDetail } from "../../src/core/platform-view.ts";
import { GatewayError } from "../../src/errors.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";
import { startStaticPeer, type StaticPeer } from "../peers/static-server.ts";

// The core's own rules, checked through the operations and the REST face against a recording
// upstream: what is refused must never reach the platform.
let peer: StaticPeer;
let t: Awaited<ReturnType<typeof makeTestApp>>;
const fhir = { "content-type": "application/fhir+json" };
const gw = "http://gateway.test/api/fhir";

beforeAll(async () => {
  peer = await startStaticPeer((request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith("/metadata")) {
      return new Response(
        JSON.stringify({
          resourceType: "CapabilityStatement",
          status: "active",
          kind: "instance",
          fhirVersion: "4.0.1",
          format: ["json"],
          implementation: { description: "test", url: `${peer.url}/fhir` },
          rest: [{
            mode: "server",
            security: {
              extension: [{
                url: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                extension: [{ url: "token", valueUri: `${peer.url}/oauth/token` }],
              }],
            },
          }],
        }),
        { headers: fhir },
      );
    }
    if (request.method === "DELETE") return new Response(null, { status: 204 });
    return new Response(JSON.stringify({ resourceType: "Patient", id: "p1" }), {
      status: request.method === "POST" ? 201 : 200,
      headers: fhir,
    });
  });
  t = await makeTestApp({ platforms: [{ id: "p", fhir_base_url: `${peer.url}/fhir` }] });
});
afterAll(() => peer?.close());

const writes = () => peer.requests.filter((r) => r.method !== "GET").length;

describe("ids (issue 9, defect 1: MCP delete with id '.' deleted every Flag)", () => {
  it("refuses ids made only of dots in every operation, before anything goes upstream", async () => {
    const before = peer.requests.length;
    for (const id of [".", "..", "...."]) {
      await expect(t.gateway.delete(anonymousCaller, { platform: "p", type: "Flag", id }))
        .rejects.toMatchObject({ code: "invalid_id", status: 400 });
      await expect(t.gateway.read(anonymousCaller, { platform: "p", type: "Patient", id }))
        .rejects.toMatchObject({ code: "invalid_id" });
      await expect(
        t.gateway.update(anonymousCaller, {
          platform: "p",
          type: "Patient",
          id,
          resource: { resourceType: "Patient" },
        }),
      ).rejects.toMatchObject({ code: "invalid_id" });
    }
    expect(peer.requests.length).toBe(before);
  });

  it("answers 4xx over REST for encoded dot segments and never writes upstream", async () => {
    const before = writes();
    for (const path of ["Flag/%2e", "Flag/%2E%2E", "Flag/.%2e", "Flag/%2e/_history/1"]) {
      const res = await t.app.request(`${gw}/p/${path}`, { method: "DELETE" });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(writes()).toBe(before);
  });

  it("still accepts ids with dots among other characters", async () => {
    const result = await t.gateway.read(anonymousCaller, {
      platform: "p",
      type: "Patient",
      id: "a.b-1",
    });
    expect(result.status).toBe(200);
  });
});

describe("bodies are checked before they go upstream (defect f)", () => {
  const post = (body: string, contentType: string) =>
    t.app.request(`${gw}/p/Patient`, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });

  it("refuses a form-encoded create with 415, invalid JSON with 400, another type with 400", async () => {
    const before = writes();
    expect((await post("a=1&b=2", "application/x-www-form-urlencoded")).status).toBe(415);
    const broken = await post('{"resourceType":"Patient",', "application/fhir+json");
    expect(broken.status).toBe(400);
    expect(JSON.stringify(await json(broken))).toContain("not valid JSON");
    const other = await post('{"resourceType":"Observation"}', "application/fhir+json");
    expect(other.status).toBe(400);
    expect(writes()).toBe(before);
    const good = await post('{"resourceType":"Patient"}', "application/fhir+json");
    expect(good.status).toBe(201);
    expect(writes()).toBe(before + 1);
  });

  it("refuses an update whose body names another id", async () => {
    const res = await t.app.request(`${gw}/p/Patient/a`, {
      method: "PUT",
      headers: fhir,
      body: JSON.stringify({ resourceType: "Patient", id: "b" }),
    });
    expect(res.status).toBe(400);
  });
});

describe("the login comes first (issue 9, defect 2: a 200 MB form was read before it)", () => {
  it("answers 401 for POST _search without reading the body", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const needsLogin = await makeTestApp({
      platforms: [{ id: "locked", fhir_base_url: `${peer.url}/fhir` }],
      deps: {
        auth: {
          authorization: () => {
            throw new GatewayError("not_authenticated", "Not logged in.", {
              details: { platform: "locked" },
            });
          },
        },
      },
    });
    const res = await needsLogin.app.request(`${gw}/locked/Patient/_search`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(401);
    // At most what the platform adapter buffers ahead; the gateway itself read nothing.
    expect(pulled).toBeLessThanOrEqual(2);
    const text = JSON.stringify(await json(res));
    expect(text).toContain("/auth/locked/login");
    expect(text).not.toContain("start_auth");
  });
});

describe("update and count", () => {
  it("sends the version precondition as a weak If-Match", async () => {
    await t.gateway.update(anonymousCaller, {
      platform: "p",
      type: "Patient",
      id: "p1",
      resource: { resourceType: "Patient" },
      ifMatch: "3",
    });
    const sent = peer.requests.at(-1)!;
    expect(sent.method).toBe("PUT");
    expect(sent.headers["if-match"]).toBe('W/"3"');
  });

  // Found by the MCP fuzz suite: a non-Latin-1 version ("\ufeff") made the If-Match header
  // throw, and the tool answered "failed unexpectedly".
  it("refuses a version precondition that is not a FHIR id, before any header is built", async () => {
    for (const ifMatch of ["\ufeff", '1"', "a b"]) {
      await expect(t.gateway.update(anonymousCaller, {
        platform: "p",
        type: "Patient",
        id: "p1",
        resource: { resourceType: "Patient" },
        ifMatch,
      })).rejects.toMatchObject({ code: "invalid_id", status: 400 });
    }
  });

  it("says the platform reported no total instead of answering a number it did not give", async () => {
    await expect(t.gateway.count(anonymousCaller, { platform: "p", type: "Patient" }))
      .rejects.toMatchObject({ code: "upstream_error", next: "search_instead" });
    const sent = new URL(peer.requests.at(-1)!.url);
    expect(sent.searchParams.get("_summary")).toBe("count");
  });
});

describe("caller scope", () => {
  const readOnly: Caller = {
    kind: "api_key",
    owner: "user:x",
    tag: "abc",
    scope: { readOnly: true, platforms: ["p"] },
  };

  it("lets a read-only caller read but not write, and only on its platforms", async () => {
    expect((await t.gateway.read(readOnly, { platform: "p", type: "Patient", id: "p1" })).status)
      .toBe(200);
    const before = writes();
    await expect(
      t.gateway.create(readOnly, {
        platform: "p",
        type: "Patient",
        resource: { resourceType: "Patient" },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(writes()).toBe(before);
    const elsewhere = { ...readOnly, scope: { platforms: ["other"] } };
    await expect(t.gateway.read(elsewhere, { platform: "p", type: "Patient", id: "p1" }))
      .rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("no upstream address reaches callers (defect e, issue 9 item 7)", () => {
  it("rewrites implementation.url and drops the platform's OAuth URIs in /metadata", async () => {
    const res = await t.app.request(`${gw}/p/metadata`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(peer.url.replace("http://", ""));
    const statement = JSON.parse(text) as { implementation: { url: string } };
    expect(statement.implementation.url).toBe(`${gw}/p`);
    // MCP reads the same cache.
    const again = await t.gateway.capabilities(anonymousCaller, "p");
    expect(again.implementation?.url).toBe(`${gw}/p`);
  });
});

describe("public views are allowlists", () => {
  it("keeps a field added to Platform private until a view lists it", () => {
    const platform = { ...t.catalog.get("p"), internal_note: "do-not-show" };
    const shown = JSON.stringify(toPlatformDetail(platform, `${gw}/p`));
    expect(shown).not.toContain("do-not-show");
    expect(shown).toContain('"gateway_base_url"');
  });
});
