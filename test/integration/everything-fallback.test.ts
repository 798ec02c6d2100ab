import { anonymousCaller } from "../../src/core/caller.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compartmentTypes } from "../../src/core/everything.ts";
import { type FhirPeer, JOHNNIE_ID, LUNA_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";

// Medplum 4.5's in-memory repository has no Patient/$everything: a platform on it that says
// so (patient_everything: false) must still answer it, from per-type compartment searches.
let peer: FhirPeer;
let t: Awaited<ReturnType<typeof makeTestApp>>;
const gw = "http://gateway.test/api/fhir";

type Bundle = {
  resourceType: string;
  type?: string;
  total?: number;
  link?: Array<{ relation: string; url: string }>;
  entry?: Array<{
    fullUrl?: string;
    resource: { resourceType: string; id: string; issue?: unknown[] };
    search?: { mode?: string };
  }>;
};

beforeAll(async () => {
  peer = await startFhirPeer();
  t = await makeTestApp({
    platforms: [
      {
        id: "no-everything",
        fhir_base_url: peer.baseUrl,
        capabilities: { patient_everything: false },
      },
      { id: "plain", fhir_base_url: peer.baseUrl },
      {
        id: "says-everything",
        fhir_base_url: peer.baseUrl,
        capabilities: { patient_everything: true },
      },
    ],
  });
});
afterAll(() => peer?.close());

/** How many resources of `type` the engine holds for Johnnie, asked directly. */
async function directCount(type: string): Promise<number> {
  const url =
    `${peer.baseUrl}/${type}?patient=Patient/${JOHNNIE_ID}&_summary=count&_total=accurate`;
  return ((await (await fetch(url)).json()) as Bundle).total ?? 0;
}

describe("Patient/$everything fallback", () => {
  it("gathers Johnnie's whole compartment into one searchset Bundle", async () => {
    const before = peer.requests.length;
    const res = await t.app.request(
      `${gw}/no-everything/Patient/${JOHNNIE_ID}/$everything?_count=50`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/fhir+json");
    const bundle = await json<Bundle>(res);
    expect(bundle.type).toBe("searchset");

    const counts = await Promise.all(compartmentTypes.map(directCount));
    const expected = counts.reduce((a, b) => a + b, 1);
    const matches = bundle.entry!.filter((e) => e.search?.mode === "match");
    expect(matches.length).toBe(expected);
    expect(bundle.total).toBe(expected);
    expect(expected).toBeGreaterThan(150);

    const byType = new Map<string, number>();
    for (const e of matches) {
      byType.set(e.resource.resourceType, (byType.get(e.resource.resourceType) ?? 0) + 1);
    }
    expect(byType.get("Patient")).toBe(1);
    expect(byType.get("Claim")).toBe(26);
    expect(byType.get("ExplanationOfBenefit")).toBe(22);
    expect(byType.get("Observation")).toBeGreaterThan(50); // more than one page of 50

    // Every URL points at the gateway, no resource is listed twice, Luna is not in it.
    for (const e of matches) expect(e.fullUrl?.startsWith(`${gw}/no-everything/`)).toBe(true);
    const ids = matches.map((e) => `${e.resource.resourceType}/${e.resource.id}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(JSON.stringify(bundle)).not.toContain(LUNA_ID);
    expect(bundle.link?.[0]?.url).toBe(`${gw}/no-everything/Patient/${JOHNNIE_ID}/$everything`);

    // Next links were followed: some upstream request asked for a later page.
    const sent = peer.requests.slice(before).map((r) => r.url);
    expect(sent.some((u) => u.includes("/Observation?") && /_offset=[1-9]/.test(u))).toBe(true);
    expect(sent.some((u) => u.includes("$everything"))).toBe(false);
  });

  it("honours _type", async () => {
    const res = await t.app.request(
      `${gw}/no-everything/Patient/${JOHNNIE_ID}/$everything?_type=Claim,ExplanationOfBenefit`,
    );
    const bundle = await json<Bundle>(res);
    const types = new Set(bundle.entry!.map((e) => e.resource.resourceType));
    expect([...types].sort()).toEqual(["Claim", "ExplanationOfBenefit", "Patient"]);
    expect(bundle.entry!.length).toBe(1 + 26 + 22);
  });

  it("answers the core's callers too (MCP calls gateway.operation)", async () => {
    const result = await t.gateway.operation(anonymousCaller, {
      platform: "no-everything",
      name: "$everything",
      type: "Patient",
      id: LUNA_ID,
    });
    const bundle = (await result.json()) as Bundle;
    expect(bundle.entry![0]!.resource.id).toBe(LUNA_ID);
    expect(JSON.stringify(bundle)).not.toContain(JOHNNIE_ID);
  });

  it("answers 404 with an OperationOutcome for an unknown patient", async () => {
    const res = await t.app.request(`${gw}/no-everything/Patient/no-such-patient/$everything`);
    expect(res.status).toBe(404);
    expect((await json(res)).resourceType).toBe("OperationOutcome");
  });

  it("leaves $everything to platforms whose file says they have it", async () => {
    const before = peer.requests.length;
    const res = await t.app.request(`${gw}/says-everything/Patient/${JOHNNIE_ID}/$everything`);
    await res.text();
    expect(peer.requests.slice(before).some((r) => r.url.includes("$everything"))).toBe(true);
  });

  // Defect g: a platform whose file says nothing answered 404 ("check the resource type and
  // id") because its server lacks the operation; its CapabilityStatement says so.
  it("uses the fallback when the file is silent and the CapabilityStatement lacks it", async () => {
    const before = peer.requests.length;
    const res = await t.app.request(`${gw}/plain/Patient/${JOHNNIE_ID}/$everything?_type=Claim`);
    expect(res.status).toBe(200);
    const bundle = await json<Bundle>(res);
    expect(bundle.entry!.filter((e) => e.resource.resourceType === "Claim").length).toBe(26);
    const sent = peer.requests.slice(before).map((r) => r.url);
    expect(sent.some((u) => u.includes("$everything"))).toBe(false);
    expect(sent.some((u) => u.endsWith("/metadata"))).toBe(true);
  });
});
