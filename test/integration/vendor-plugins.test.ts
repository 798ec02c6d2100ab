import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";

// The shipped vendor plugins, loaded from plugins/ and run by the core, in front of the real
// Medplum engine: what the engine receives is what Epic or Oracle Health would receive.
let peer: FhirPeer;
let t: Awaited<ReturnType<typeof makeTestApp>>;
const gw = "http://gateway.test/api/fhir";

beforeAll(async () => {
  peer = await startFhirPeer();
  t = await makeTestApp({
    platforms: [
      {
        id: "epic",
        type: "ehr",
        fhir_base_url: "https://fhir.epic.example/api/FHIR/R4",
        client_headers: { Accept: "application/json+fhir" },
      },
      { id: "cerner", type: "ehr", fhir_base_url: peer.baseUrl },
    ],
    env: {
      FHIR_GATEWAY_PLATFORM_EPIC_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_PLATFORM_EPIC_CLIENT_ID: "epic-app-id",
    },
  });
});
afterAll(() => peer?.close());

const lastRequest = () => peer.requests.at(-1)!;

describe("vendor plugins through the gateway", () => {
  it("Epic: unsupported search parameters never reach the server, results still come", async () => {
    const res = await t.app.request(
      `${gw}/epic/Observation?patient=Patient/${JOHNNIE_ID}&_sort=-date&_total=accurate&_count=5`,
    );
    expect(res.status).toBe(200);
    const bundle = await json<{ entry: unknown[] }>(res);
    expect(bundle.entry.length).toBe(5);
    const sent = new URL(lastRequest().url);
    expect(sent.searchParams.has("_sort")).toBe(false);
    expect(sent.searchParams.has("_total")).toBe(false);
    expect(sent.searchParams.get("_count")).toBe("5");
    expect(lastRequest().headers["accept"]).toBe("application/fhir+json");
    expect(lastRequest().headers["epic-client-id"]).toBe("epic-app-id");
  });

  it("Oracle Health: FHIR JSON on reads and on writes sent as plain JSON", async () => {
    const read = await t.app.request(`${gw}/cerner/Patient/${JOHNNIE_ID}`, {
      headers: { accept: "application/json" },
    });
    expect(read.status).toBe(200);
    expect(lastRequest().headers["accept"]).toBe("application/fhir+json");

    const created = await t.app.request(`${gw}/cerner/Basic`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resourceType: "Basic", code: { text: "plugin test" } }),
    });
    expect(created.status).toBe(201);
    expect(lastRequest().headers["content-type"]).toContain("application/fhir+json");
  });
});
