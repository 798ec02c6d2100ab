import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";

// The real Medplum FHIR engine, seeded with two Synthea patients, behind the gateway.
let peer: FhirPeer;
let t: Awaited<ReturnType<typeof makeTestApp>>;
const base = "http://gateway.test/api/fhir/medplum";

type Bundle = {
  resourceType: string;
  total?: number;
  link?: Array<{ relation: string; url: string }>;
  entry?: Array<
    { fullUrl?: string; resource: { resourceType: string; id: string }; search?: { mode?: string } }
  >;
};

beforeAll(async () => {
  peer = await startFhirPeer();
  t = await makeTestApp({
    platforms: [{ id: "medplum", name: "Medplum test engine", fhir_base_url: peer.baseUrl }],
  });
});
afterAll(() => peer?.close());

const get = (path: string, init?: RequestInit) =>
  t.app.request(path.startsWith("http") ? path : `${base}${path}`, init);

describe("search through the gateway", () => {
  it("pages through every Observation of a patient with gateway links to the end", async () => {
    const direct = await fetch(
      `${peer.baseUrl}/Observation?patient=Patient/${JOHNNIE_ID}&_summary=count&_total=accurate`,
    );
    const expected = ((await direct.json()) as Bundle).total!;
    expect(expected).toBeGreaterThan(40);

    const seen = new Set<string>();
    let url: string | undefined = `${base}/Observation?patient=Patient/${JOHNNIE_ID}&_count=20`;
    let pages = 0;
    while (url) {
      expect(url.startsWith(`${base}/`)).toBe(true);
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/fhir+json");
      const bundle = await json<Bundle>(res);
      for (const link of bundle.link ?? []) expect(link.url.startsWith(base)).toBe(true);
      for (const e of bundle.entry ?? []) {
        expect(e.fullUrl?.startsWith(`${base}/Observation/`)).toBe(true);
        seen.add(e.resource.id);
      }
      url = bundle.link?.find((l) => l.relation === "next")?.url;
      pages++;
      expect(pages).toBeLessThan(100);
    }
    expect(pages).toBeGreaterThan(2);
    expect(seen.size).toBe(expected);
    expect(JSON.stringify(peer.requests.at(-1))).not.toContain("gateway.test");
  });

  it("answers POST _search like GET search", async () => {
    const viaGet = await json<Bundle>(await get(`/Patient?family=Hermiston71`));
    const viaPost = await json<Bundle>(
      await get(`/Patient/_search`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "family=Hermiston71",
      }),
    );
    expect(viaGet.entry?.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
    expect(viaPost.entry?.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
  });

  it("returns _include'd resources in the same Bundle", async () => {
    const bundle = await json<Bundle>(
      await get(`/Encounter?patient=Patient/${JOHNNIE_ID}&_count=3&_include=Encounter:patient`),
    );
    const modes = bundle.entry?.map((e) => `${e.resource.resourceType}:${e.search?.mode}`) ?? [];
    expect(modes).toContain("Encounter:match");
    expect(modes).toContain("Patient:include");
  });

  it("searches a patient compartment", async () => {
    const bundle = await json<Bundle>(await get(`/Patient/${JOHNNIE_ID}/Condition?_count=5`));
    expect(bundle.entry?.length).toBeGreaterThan(0);
    expect(bundle.entry?.every((e) => e.resource.resourceType === "Condition")).toBe(true);
  });
});

describe("read and write through the gateway", () => {
  it("reads a patient with its ETag and Last-Modified", async () => {
    const res = await get(`/Patient/${JOHNNIE_ID}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toMatch(/^W\/"/);
    expect(res.headers.get("last-modified")).toBeTruthy();
    expect((await json(res)).id).toBe(JOHNNIE_ID);
  });

  it("creates, reads, updates with If-Match, reads history and deletes", async () => {
    const created = await get(`/Patient`, {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify({ resourceType: "Patient", name: [{ family: "Roundtrip" }] }),
    });
    expect(created.status).toBe(201);
    const location = created.headers.get("location")!;
    expect(location.startsWith(`${base}/Patient/`)).toBe(true);
    const { id } = await json<{ id: string }>(created);

    const read = await get(location);
    expect(read.status).toBe(200);
    const etag = read.headers.get("etag")!;

    const updated = await get(`/Patient/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/fhir+json", "if-match": etag },
      body: JSON.stringify({ resourceType: "Patient", id, name: [{ family: "Updated" }] }),
    });
    expect(updated.status).toBe(200);
    const stale = await get(`/Patient/${id}`, {
      method: "PUT",
      headers: { "content-type": "application/fhir+json", "if-match": etag },
      body: JSON.stringify({ resourceType: "Patient", id, name: [{ family: "Stale" }] }),
    });
    expect(stale.status).toBe(412);
    expect((await json(stale)).resourceType).toBe("OperationOutcome");

    const history = await json<Bundle>(await get(`/Patient/${id}/_history`));
    expect(history.entry?.length).toBe(2);
    const first = history.entry!.at(-1)!.resource as unknown as { meta: { versionId: string } };
    const vread = await get(`/Patient/${id}/_history/${first.meta.versionId}`);
    expect(((await json(vread)).name as Array<{ family: string }>)[0]!.family).toBe("Roundtrip");

    const patched = await get(`/Patient/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: JSON.stringify([{ op: "replace", path: "/name/0/family", value: "Patched" }]),
    });
    expect(patched.status).toBe(200);
    expect(((await json(patched)).name as Array<{ family: string }>)[0]!.family).toBe("Patched");

    const deleted = await get(`/Patient/${id}`, { method: "DELETE" });
    expect([200, 204]).toContain(deleted.status);
    const gone = await get(`/Patient/${id}`);
    expect([404, 410]).toContain(gone.status);
    expect((await json(gone)).resourceType).toBe("OperationOutcome");
  });

  it("creates conditionally: the second If-None-Exist create finds the first", async () => {
    const body = JSON.stringify({
      resourceType: "Patient",
      identifier: [{ system: "urn:test", value: "cond-1" }],
    });
    const init = {
      method: "POST",
      headers: {
        "content-type": "application/fhir+json",
        "if-none-exist": "identifier=urn:test|cond-1",
      },
      body,
    };
    const first = await get(`/Patient`, init);
    expect(first.status).toBe(201);
    const second = await get(`/Patient`, init);
    expect(second.status).toBe(200);
    expect((await json(second)).id).toBe((await json(first)).id);
  });

  it("runs a transaction Bundle posted to the platform base", async () => {
    const res = await get(``, {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify({
        resourceType: "Bundle",
        type: "transaction",
        entry: [{
          fullUrl: "urn:uuid:6f3b6a4e-1c1e-4c59-9d43-0a4f0f0b0c01",
          resource: { resourceType: "Patient", name: [{ family: "Tx" }] },
          request: { method: "POST", url: "Patient" },
        }, {
          resource: {
            resourceType: "Observation",
            status: "final",
            code: { text: "tx" },
            subject: { reference: "urn:uuid:6f3b6a4e-1c1e-4c59-9d43-0a4f0f0b0c01" },
          },
          request: { method: "POST", url: "Observation" },
        }],
      }),
    });
    expect(res.status).toBe(200);
    const bundle = await json<Bundle & { type: string }>(res);
    expect(bundle.type).toBe("transaction-response");
    expect(bundle.entry).toHaveLength(2);
    expect(JSON.stringify(bundle)).not.toContain(peer.origin);
  });

  it("serves the CapabilityStatement", async () => {
    const res = await get(`/metadata`);
    expect(res.status).toBe(200);
    expect((await json(res)).resourceType).toBe("CapabilityStatement");
  });
});

describe("errors through the gateway", () => {
  it("passes an upstream 404 OperationOutcome through with its status", async () => {
    const res = await get(`/Patient/does-not-exist-123`);
    expect(res.status).toBe(404);
    expect((await json(res)).resourceType).toBe("OperationOutcome");
  });

  it("refuses an operation outside the allowlist before it goes upstream", async () => {
    const before = peer.requests.length;
    const res = await get(`/Patient/${JOHNNIE_ID}/$purge`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await json(res))).toContain("$purge");
    expect(peer.requests.length).toBe(before);
  });
});
