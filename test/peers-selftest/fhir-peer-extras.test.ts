import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bundle, OperationOutcome, Patient } from "@medplum/fhirtypes";
import { JOHNNIE_ID, LUNA_ID, startFhirPeer } from "../peers/fhir-server.ts";
import type { FhirPeer } from "../peers/fhir-server.ts";
import { getJson } from "./_get-json.ts";

const FHIR_JSON = { "content-type": "application/fhir+json" };

describe("FHIR peer: what the wrapper adds to the engine", () => {
  let peer: FhirPeer;
  beforeAll(async () => {
    peer = await startFhirPeer({ examples: true, basePath: "/r4/" });
  });
  afterAll(() => peer.close());

  it("honours basePath and seeds HL7 examples next to Synthea", async () => {
    expect(peer.baseUrl).toBe(`${peer.origin}/r4`);
    const { body } = await getJson<Bundle<Patient>>(`${peer.baseUrl}/Patient?_count=50`);
    expect(body.entry?.map((e) => e.resource?.id)).toEqual(
      expect.arrayContaining([JOHNNIE_ID, LUNA_ID, "example"]),
    );
  });

  it("searches by POST _search with a form body, and includes the subject", async () => {
    const { status, body } = await getJson<Bundle>(`${peer.baseUrl}/Observation/_search`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        subject: `Patient/${LUNA_ID}`,
        _count: "3",
        _include: "Observation:subject",
      }),
    });
    expect(status).toBe(200);
    const modes = body.entry?.map((e) => `${e.resource?.resourceType}:${e.search?.mode}`);
    expect(modes).toEqual([
      "Observation:match",
      "Observation:match",
      "Observation:match",
      "Patient:include",
    ]);
    expect(body.link?.find((l) => l.relation === "next")?.url).toContain("_offset=3");
    expect(body.total).toBeUndefined();
  });

  it("adds _revinclude matches and a total for _summary=count", async () => {
    const rev = await getJson<Bundle>(
      `${peer.baseUrl}/Patient?_id=${JOHNNIE_ID}&_revinclude=Encounter:patient`,
    );
    expect(rev.body.entry?.filter((e) => e.search?.mode === "include")).toHaveLength(22);
    const count = await getJson<Bundle>(
      `${peer.baseUrl}/Claim?patient=Patient/${JOHNNIE_ID}&_summary=count`,
    );
    expect(count.body).toMatchObject({ total: 26 });
    expect(count.body.entry).toBeUndefined();
  });

  it("refuses unknown search parameters and resource types with an OperationOutcome", async () => {
    const bogus = await getJson<OperationOutcome>(`${peer.baseUrl}/Patient?bogus=1`);
    expect(bogus.status).toBe(400);
    expect(bogus.body.issue?.[0]?.details?.text).toContain("bogus");
    const lenient = await fetch(`${peer.baseUrl}/Patient?bogus=1`, {
      headers: { prefer: "handling=lenient" },
    });
    expect(lenient.status).toBe(200);
    const unknown = await getJson<OperationOutcome>(`${peer.baseUrl}/Spaceship`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe("OperationOutcome");
    const invalid = await fetch(`${peer.baseUrl}/Patient`, {
      method: "POST",
      headers: FHIR_JSON,
      body: "{",
    });
    expect(invalid.status).toBe(400);
  });

  it("patches with JSON Patch and lists history newest first, every time", async () => {
    const created = await getJson<Patient>(`${peer.baseUrl}/Patient`, {
      method: "POST",
      headers: FHIR_JSON,
      body: JSON.stringify({ resourceType: "Patient", name: [{ family: "Versioned" }] }),
    });
    const url = `${peer.baseUrl}/Patient/${created.body.id}`;
    const patched = await getJson<Patient>(url, {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: JSON.stringify([{ op: "add", path: "/gender", value: "other" }]),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.gender).toBe("other");
    for (let i = 0; i < 2; i++) {
      const history = await getJson<Bundle<Patient>>(`${url}/_history`);
      expect(history.body.entry?.map((e) => e.resource?.gender ?? "none")).toEqual([
        "other",
        "none",
      ]);
    }
    const first = await getJson<Patient>(`${url}/_history/${created.body.meta?.versionId}`);
    expect(first.status).toBe(200);
    expect(first.body.gender).toBeUndefined();
  });

  it("runs a transaction that resolves urn:uuid references", async () => {
    const patientUrn = "urn:uuid:0b5c8e3a-4a43-4c8e-9b51-6c0e8c1e2f10";
    const { status, body } = await getJson<Bundle>(peer.baseUrl, {
      method: "POST",
      headers: FHIR_JSON,
      body: JSON.stringify({
        resourceType: "Bundle",
        type: "transaction",
        entry: [
          {
            fullUrl: patientUrn,
            resource: { resourceType: "Patient" },
            request: { method: "POST", url: "Patient" },
          },
          {
            resource: {
              resourceType: "Observation",
              status: "final",
              code: { text: "t" },
              subject: { reference: patientUrn },
            },
            request: { method: "POST", url: "Observation" },
          },
        ],
      }),
    });
    expect(status).toBe(200);
    expect(body.type).toBe("transaction-response");
    const patientId = body.entry?.[0]?.resource?.id;
    const observation = body.entry?.[1]?.resource as
      | { subject?: { reference?: string } }
      | undefined;
    expect(observation?.subject?.reference).toBe(`Patient/${patientId}`);
  });

  it("validates with $validate", async () => {
    const { status, body } = await getJson<OperationOutcome>(`${peer.baseUrl}/Patient/$validate`, {
      method: "POST",
      headers: FHIR_JSON,
      body: JSON.stringify({ resourceType: "Patient", birthDate: "not a date" }),
    });
    expect(status).toBe(200);
    expect(body.issue?.some((i) => i.severity === "error")).toBe(true);
  });

  it("serves a CapabilityStatement without SMART security when auth is off, and logs requests", async () => {
    const { body } = await getJson<{ rest: Array<{ security?: unknown }> }>(
      `${peer.baseUrl}/metadata`,
      {
        headers: { accept: "application/fhir+json" },
      },
    );
    expect(body.rest[0]?.security).toBeUndefined();
    const last = peer.requests.at(-1);
    expect(last?.url).toBe(`${peer.baseUrl}/metadata`);
    expect(last?.headers.accept).toBe("application/fhir+json");
  });
});
