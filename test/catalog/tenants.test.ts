import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBrandsBundle } from "../../src/catalog/brands.ts";
import { toTenants } from "../../src/catalog/to-tenants.ts";
import { type FhirPeer, JOHNNIE_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { json } from "../helpers/test-app.ts";
import { root, runScript, shippedApp, tempDir } from "./_helpers.ts";

const fixture = (name: string) => join(root, "test", "fixtures", "brands", name);
const readFixture = async (name: string) => JSON.parse(await readFile(fixture(name), "utf8"));

let peer: FhirPeer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let t: Awaited<ReturnType<typeof shippedApp>>;
let imported: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  peer = await startFhirPeer();
  tmp = await tempDir();
  // The fixture names the peer's URL as its R4 endpoint.
  const bundle = (await readFile(fixture("user-access-brands.json"), "utf8"))
    .replaceAll("{{peer_base}}", peer.baseUrl);
  const platformsDir = join(tmp.dir, "platforms");
  await mkdir(join(platformsDir, "tenants"), { recursive: true });
  await writeFile(join(tmp.dir, "brands.json"), bundle);
  imported = await runScript("import-tenants.ts", [
    "epic",
    join(tmp.dir, "brands.json"),
    "--out",
    join(platformsDir, "tenants", "epic.json"),
  ]);
  t = await shippedApp({ FHIR_GATEWAY_PLATFORMS_DIR: platformsDir });
});
afterAll(async () => {
  await peer?.close();
  await tmp?.cleanup();
});

type Bundle = {
  resourceType: string;
  entry?: Array<{ fullUrl: string; resource: { id: string } }>;
};

describe("a tenant imported from a SMART User-access Brands Bundle", () => {
  it("is written by scripts/import-tenants.ts, merging brands of one base, skipping the endpoint that is off", () => {
    expect(imported.code).toBe(0);
    // The children's hospital (partOf) shares ExampleHealth's endpoint: one tenant, two names.
    expect(imported.stdout).toMatch(/^epic: \d+ rows -> 2 tenants; 1 rows merged/);
    expect(imported.stdout).toContain("1 several names");
    expect(imported.stderr).toContain('refused Endpoint old-clinic: status is "off"');
  });

  it("is routable as epic:<tenant> to the organization's FHIR server (a real Medplum engine)", async () => {
    const res = await t.app.request(`/api/fhir/epic:examplehealth/Patient?_id=${JOHNNIE_ID}`);
    expect(res.status).toBe(200);
    const bundle = await json<Bundle>(res);
    expect(bundle.entry?.map((e) => e.resource.id)).toEqual([JOHNNIE_ID]);
    expect(bundle.entry?.[0]?.fullUrl).toBe(
      `http://gateway.test/api/fhir/epic:examplehealth/Patient/${JOHNNIE_ID}`,
    );
    expect(peer.requests.at(-1)?.url).toContain(`${peer.baseUrl}/Patient?`);
  });

  it("routes a child brand (partOf), merged into its parent's base, and an alias by their own refs", async () => {
    const child = await t.app.request("/api/fhir/epic:examplehealth-childrens-hospital/Patient");
    expect(child.status).toBe(200);
    const byAlias = await t.app.request("/api/fhir/epic:ehchospital/metadata");
    expect(byAlias.status).toBe(200);
  });

  it("can be found by name through /api/platforms?q= and /api/platforms/epic/tenants?q=", async () => {
    // The shipped Epic directory is loaded too: the brand's own words find it first.
    const all = await json<{ tenants: Array<{ ref: string }> }>(
      await t.app.request("/api/platforms?q=examplehealth%20children"),
    );
    expect(all.tenants.map((x) => x.ref)).toEqual(["epic:examplehealth"]);
    expect(t.catalog.searchTenants("examplehealth children")[0]?.matched).toBe(
      "ExampleHealth Children's Hospital",
    );
    const inAlaska = await json<{ total: number; tenants: Array<{ ref: string; city: string }> }>(
      await t.app.request("/api/platforms/epic/tenants?q=anchorage"),
    );
    expect(inAlaska.total).toBeGreaterThan(700); // the shipped directory plus these two
    expect(inAlaska.tenants[0]).toMatchObject({ ref: "epic:examplelabs", city: "Anchorage" });
  });

  it("answers 404 for a tenant that is not in the index", async () => {
    const res = await t.app.request("/api/fhir/epic:no-such-clinic/Patient");
    expect(res.status).toBe(404);
    expect(JSON.stringify(await json(res))).toContain("GET /api/platforms/epic/tenants?q=");
  });
});

describe("reading Bundles", () => {
  it("prefers the R4 endpoint of a brand and keeps portal and website", async () => {
    const text = (await readFile(fixture("user-access-brands.json"), "utf8"))
      .replaceAll("{{peer_base}}", "https://ehr.example.org/ExampleHealth/api/FHIR/R4");
    const { brands } = readBrandsBundle(JSON.parse(text));
    const health = brands.find((b) => b.name === "ExampleHealth");
    expect(health).toMatchObject({
      address: "https://ehr.example.org/ExampleHealth/api/FHIR/R4",
      fhirVersion: "R4",
      portalUrl: "https://mychart.examplehealth.org",
      website: "https://examplehealth.org",
      city: "Madison",
      state: "WI",
    });
  });

  it("reads a vendor Endpoint Bundle: names from Organizations or Endpoints, unique ids", async () => {
    const { brands, skipped } = readBrandsBundle(await readFixture("vendor-endpoints.json"));
    const tenants = toTenants(brands);
    expect(tenants.map((x) => x.id)).toEqual([
      "mercy-example-health",
      "valley-medical-center",
      "valley-medical-center-2",
    ]);
    expect(tenants[0]).toMatchObject({ city: "St. Louis", state: "MO", aliases: ["oMercy1"] });
    expect(skipped).toEqual(['Endpoint dp1: connection type "direct-project"']);
  });

  it("takes the vendor tenant id from the platform's {tenant_id} URL templates", async () => {
    const { brands } = readBrandsBundle(await readFixture("oracle-health-endpoints.json"));
    const tenants = toTenants(brands, ["https://fhir-myrecord.cerner.com/r4/{tenant_id}/"]);
    expect(tenants.map((x) => [x.id, x.vendor_id])).toEqual([
      ["example-regional-medical-center", "3f1c2a9e-0b7d-4c55-9e61-2d8a7b4f6c10"],
      ["lakeside-community-hospital", "8a0d5e77-91b2-4f0e-a3c4-5b6c7d8e9f01"],
    ]);
  });

  it("refuses something that is not a Bundle", () => {
    expect(() => readBrandsBundle({ resourceType: "Patient" })).toThrow(/Not a FHIR Bundle/);
  });

  it("writes the same file when the same Bundle is imported twice", async () => {
    const out = join(tmp.dir, "again.json");
    const run = await runScript("import-tenants.ts", [
      "cerner",
      fixture("oracle-health-endpoints.json"),
      "--out",
      out,
    ]);
    expect(run.code).toBe(0);
    const first = await readFile(out, "utf8");
    await runScript("import-tenants.ts", [
      "cerner",
      fixture("oracle-health-endpoints.json"),
      "--out",
      out,
    ]);
    expect(await readFile(out, "utf8")).toBe(first);
    expect(JSON.parse(first).tenants[0].vendor_id).toBe("3f1c2a9e-0b7d-4c55-9e61-2d8a7b4f6c10");
  });
});
