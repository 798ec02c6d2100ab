import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBrandsBundle } from "../../src/catalog/brands.ts";
import { tenantIndexSchema } from "../../src/catalog/schema.ts";
import { withBases } from "../../src/catalog/tenant-index.ts";
import { mergeTenants } from "../../src/catalog/to-tenants.ts";
import { readDirectory } from "../../scripts/_tenant-directory.ts";
import { compactIndex, serializeIndex } from "../../scripts/_tenant-file.ts";
import { tenantSources } from "../../scripts/_tenant-sources.ts";
import { runScript, tempDir } from "./_helpers.ts";

const row = (r: Record<string, unknown>) => ({ vendor: "x", source: "test", ...r });
const oracle = (audience: string, host: string, tenant: string, name = "Lakeside Hospital") =>
  row({
    vendor: "oracle-health",
    audience,
    organization: name,
    fhir_base_url: `https://${host}.cerner.com/r4/${tenant}/`,
    tenant_id: tenant,
    state: "WA",
  });

describe("reading the simple JSON directories", () => {
  it("refuses rows it cannot route to, each with the reason, and drops exact repeats", () => {
    const read = readDirectory([
      row({ organization: "Good Clinic", fhir_base_url: "https://fhir.good.example/r4" }),
      row({ organization: "Good Clinic", fhir_base_url: "https://FHIR.good.example/r4/" }),
      row({ organization: "", fhir_base_url: "https://x.example/r4" }),
      row({ organization: "Plain", fhir_base_url: "http://plain.example/r4" }),
      row({ organization: "Creds", fhir_base_url: "https://u:p@creds.example/r4" }),
      row({ organization: "Query", fhir_base_url: "https://q.example/r4?tenant=1" }),
      row({ organization: "Not a URL", fhir_base_url: "fhir base" }),
      row({ organization: "Bad Id", fhir_base_url: "https://b.example/r4", tenant_id: "a/b" }),
      "not an object",
    ], "test.json");
    expect(read.brands.map((b) => b.name)).toEqual(["Good Clinic"]);
    expect(read.repeated).toBe(1);
    expect(read.refused).toEqual([
      "row 3: no organization name",
      'row 4 (Plain): fhir_base_url "http://plain.example/r4" is not https',
      "row 5 (Creds): fhir_base_url carries credentials",
      "row 6 (Query): fhir_base_url has a query or fragment",
      'row 7 (Not a URL): fhir_base_url "fhir base" is not a URL',
      'row 8 (Bad Id): tenant_id "a/b" is not letters, digits, . _ -',
      "row 9: no organization name",
    ]);
  });

  it("repairs percent-encoded names and keeps Epic's Endpoint id out of the vendor id", () => {
    const read = readDirectory([
      row({
        organization: "Cardiac%20Rhythm%20Specialists%2C%20PA",
        fhir_base_url: "https://fhir4.healow.com/fhir/r4/ABCDEF",
        tenant_id: "ABCDEF",
      }),
      row({
        vendor: "epic",
        organization: "AACI",
        fhir_base_url: "https://webprd.ochin.org/prd-fhir/MyChartAACI/api/FHIR/R4/",
        tenant_id: "2baa00f4-3236-f011-91f0-0050568bc890",
        managing_organization: "OCHIN",
      }),
    ], "t");
    expect(read.cleaned).toBe(1);
    expect(read.brands[0]).toMatchObject({
      name: "Cardiac Rhythm Specialists, PA",
      vendorId: "ABCDEF",
    });
    expect(read.brands[1]?.vendorId).toBeUndefined();
    expect(read.brands[1]?.managingOrganization).toBe("OCHIN");
  });

  it("throws on a file that is not an array of rows", () => {
    expect(() => readDirectory({ entry: [] }, "x.json")).toThrow(/expected a JSON array/);
  });
});

describe("merging rows into tenants", () => {
  it("makes one Oracle tenant of its patient- and provider-facing rows, with both bases", () => {
    const { brands } = readDirectory([
      oracle("patient", "fhir-myrecord", "T1"),
      oracle("provider", "fhir-ehr", "T1"),
      oracle("provider", "fhir-ehr", "T2", "Provider Only Clinic"),
    ], "o");
    const { tenants, merged } = mergeTenants(brands);
    expect(tenants).toEqual([
      {
        id: "lakeside-hospital",
        name: "Lakeside Hospital",
        fhir_base_url: "https://fhir-ehr.cerner.com/r4/T1/",
        vendor_id: "T1",
        bases: {
          patient: "https://fhir-myrecord.cerner.com/r4/T1/",
          provider: "https://fhir-ehr.cerner.com/r4/T1/",
        },
        state: "WA",
      },
      {
        id: "provider-only-clinic",
        name: "Provider Only Clinic",
        fhir_base_url: "https://fhir-ehr.cerner.com/r4/T2/",
        vendor_id: "T2",
        bases: { provider: "https://fhir-ehr.cerner.com/r4/T2/" },
        state: "WA",
      },
    ]);
    expect(merged).toEqual([{ id: "lakeside-hospital", rows: 2, names: 1 }]);
  });

  it("keeps several brands of one base as one tenant, named after the managing organization", () => {
    const base = "https://epicproxy.example.org/FHIRProxy/api/FHIR/R4/";
    const { brands } = readDirectory(
      ["Bellaire Allergy", "Memorial Hermann", "Gentle Pediatrics"].map((organization) =>
        row({
          vendor: "epic",
          organization,
          fhir_base_url: base,
          managing_organization: "Memorial Hermann",
        })
      ),
      "e",
    );
    const { tenants } = mergeTenants(brands);
    expect(tenants).toEqual([{
      id: "memorial-hermann",
      name: "Memorial Hermann",
      fhir_base_url: base,
      aliases: ["Bellaire Allergy", "Gentle Pediatrics"],
    }]);
  });

  it("tells apart tenants of one name by state, then a short vendor id, then -2", () => {
    const practice = (id: string, state?: string) => ({
      name: "Family Medicine",
      address: "https://api.platform.athenahealth.com/fhir/r4",
      aliases: [],
      vendorId: id,
      ...(state ? { state } : {}),
    });
    const ids = mergeTenants([
      practice("20"),
      practice("3"),
      practice("1000000000000000", "TX"),
      practice("x-long-vendor-id-0000"),
      practice("x-long-vendor-id-0001"),
    ]).tenants.map((t) => [t.id, t.vendor_id]);
    expect(ids).toEqual([
      ["family-medicine", "3"], // the first in vendor-id order keeps the plain slug
      ["family-medicine-2", "x-long-vendor-id-0000"],
      ["family-medicine-20", "20"],
      ["family-medicine-3", "x-long-vendor-id-0001"],
      ["family-medicine-tx", "1000000000000000"],
    ]);
  });
});

describe("Epic's own R4 Endpoint Bundle (the format of open.epic.com/Endpoints/R4)", () => {
  // Shaped like the entries of Epic's Bundle as ONC Lantern stored it (Dec 2021): each
  // Endpoint holds its Organization as a contained resource; two brands share one base.
  const endpoint = (id: string, name: string, address: string) => ({
    resource: {
      resourceType: "Endpoint",
      id,
      contained: [{ resourceType: "Organization", id: `org-${id}`, name }],
      status: "active",
      connectionType: {
        system: "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
        code: "hl7-fhir-rest",
      },
      name,
      managingOrganization: { reference: `org-${id}` },
      address,
    },
  });
  const shared = "https://hygieia.example.org/FHIRProxy/api/FHIR/R4/";
  const bundle = {
    resourceType: "Bundle",
    type: "collection",
    timestamp: "2021-12-13T10:18:56-06:00",
    entry: [
      endpoint("e1", "Kaiser Permanente – Georgia", "https://fhir.kp.example/ga/api/FHIR/R4/"),
      endpoint("e2", "Bronson Healthcare", shared),
      endpoint("e3", "Family Health Center", shared),
    ],
  };

  it("reads each Endpoint's name and address, and merges the brands of one base", () => {
    const { brands, skipped } = readBrandsBundle(bundle);
    expect(skipped).toEqual([]);
    const { tenants } = mergeTenants(brands);
    expect(tenants.map((x) => [x.id, x.name, x.fhir_base_url])).toEqual([
      ["bronson-healthcare", "Bronson Healthcare", shared],
      [
        "kaiser-permanente-georgia",
        "Kaiser Permanente – Georgia",
        "https://fhir.kp.example/ga/api/FHIR/R4/",
      ],
    ]);
    expect(tenants[0]?.aliases).toContain("Family Health Center");
  });
});

describe("the compact tenant index", () => {
  it("gives a shared base or template once, and the loader restores every base", () => {
    const ecw = (code: string, name: string) => ({
      id: name.toLowerCase(),
      name,
      fhir_base_url: `https://fhir4.healow.com/fhir/r4/${code}`,
      vendor_id: code,
    });
    const tenants = [
      ecw("AAAA", "Alpha"),
      ecw("BBBB", "Beta"),
      { id: "other", name: "Other", fhir_base_url: "https://elsewhere.example/r4", vendor_id: "C" },
    ];
    const index = compactIndex({ platform: "eclinicalworks" }, tenants);
    expect(index.fhir_base_url).toBe("https://fhir4.healow.com/fhir/r4/{tenant_id}");
    expect(index.tenants.map((t) => t.fhir_base_url)).toEqual([
      undefined,
      undefined,
      "https://elsewhere.example/r4",
    ]);
    const text = serializeIndex(index);
    expect(text.split("\n").filter((l) => l.startsWith('    {"id"'))).toHaveLength(3);
    const problems: string[] = [];
    const parsed = tenantIndexSchema.parse(JSON.parse(text));
    expect(withBases(parsed, "f.json", problems)).toEqual(tenants);
    expect(problems).toEqual([]);
  });

  it("names a tenant left without a base", () => {
    const problems: string[] = [];
    const index = tenantIndexSchema.parse({
      platform: "p",
      fhir_base_url: "https://x.example/{tenant_id}",
      tenants: [{ id: "a", name: "A" }],
    });
    expect(withBases(index, "tenants/p.json", problems)).toEqual([]);
    expect(problems).toEqual([
      'tenants/p.json: tenant "a": no fhir_base_url, and the index gives none',
    ]);
  });
});

describe("npm run import-tenants over a folder of directories", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let run: { code: number; stdout: string; stderr: string };
  const out = () => join(tmp.dir, "out");
  beforeAll(async () => {
    tmp = await tempDir();
    const from = join(tmp.dir, "endpoints");
    await mkdir(from, { recursive: true });
    for (const s of tenantSources) {
      const rows = s.platform === "cerner"
        ? [oracle("patient", "fhir-myrecord", "T1"), oracle("provider", "fhir-ehr", "T1")]
        : [
          row({
            organization: `${s.platform} clinic`,
            fhir_base_url: `https://${s.platform}.example/r4`,
          }),
          row({ organization: "Insecure", fhir_base_url: `http://${s.platform}.example/r4` }),
        ];
      await writeFile(join(from, s.files[0]!), JSON.stringify(rows));
    }
    run = await runScript("import-tenants.ts", ["--from", from, "--out-dir", out()]);
  });
  afterAll(async () => await tmp?.cleanup());

  it("reports per platform the rows, tenants, merged rows and refused rows with the reason", () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^cerner: 2 rows -> 2 tenants; 1 rows merged into another row's tenant/m,
    );
    expect(run.stdout).toMatch(/^epic: 2 rows -> 1 tenants; 0 rows merged.*; 1 refused;/m);
    expect(run.stderr).toContain(
      'epic: refused row 2 (Insecure): fhir_base_url "http://epic.example/r4" is not https',
    );
  });

  it("writes an index the loader accepts, with the vendor's sandbox kept beside the import", async () => {
    const cerner = JSON.parse(await readFile(join(out(), "cerner.json"), "utf8"));
    expect(tenantIndexSchema.parse(cerner).tenants.map((t) => t.id)).toEqual([
      "sandbox",
      "lakeside-hospital",
    ]);
  });
});
