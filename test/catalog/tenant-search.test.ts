import { describe, expect, it } from "vitest";
import { createCatalog } from "../../src/catalog/catalog.ts";
import { toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema, type Tenant } from "../../src/catalog/schema.ts";

const t = (id: string, name: string, extra: Partial<Tenant> = {}): Tenant => ({
  id,
  name,
  fhir_base_url: `https://${id}.example/r4`,
  ...extra,
});
const platform = (file: Record<string, unknown>) =>
  toPlatform(
    `platforms/${file.id}.json`,
    platformFileSchema.parse({ name: file.id, type: "ehr", ...file }),
    {},
  );

const oracleTenants = [
  t("lakeside", "Lakeside Hospital", {
    fhir_base_url: "https://e.example/T1", // the provider-facing base, as the importer writes
    state: "WA",
    vendor_id: "T1",
    bases: { patient: "https://p.example/T1", provider: "https://e.example/T1" },
  }),
  t("provider-only", "Lakeside Provider Group", {
    state: "WA",
    vendor_id: "T2",
    bases: { provider: "https://e.example/T2" },
  }),
];
const catalog = createCatalog([
  platform({
    id: "epic",
    tenants: [
      t("mass-general-brigham", "Mass General Brigham"),
      t("massachusetts-general-hospital", "Massachusetts General Hospital"),
      t("general-clinic", "General Clinic of Massachusetts"),
      t("mayo-clinic", "Mayo Clinic"),
      t("mayo-clinic-health-system", "Mayo Clinic Health System"),
      t("consortium", "New York Consortium", {
        aliases: ["New York Presbyterian", "Weill Cornell"],
      }),
      t("st-lukes", "St. Luke's Hospital"),
    ],
  }),
  platform({
    id: "athena",
    tenants: [
      t("mgh-acc", "MGH ACC", { vendor_id: "9242" }),
      t("family-medicine", "Family Medicine", { vendor_id: "1" }),
      t("family-medicine-austin", "Family Medicine Austin", { vendor_id: "2" }),
      t("austin-family-medicine-tx", "Austin Family Medicine AUSTIN TX", { vendor_id: "3" }),
      t("smith-md", "JOHN SMITH MD", { vendor_id: "4" }),
    ],
  }),
  platform({ id: "meditech", tenants: [t("coffeyville", "Coffeyville Reg. Med. Ctr.")] }),
  platform({ id: "cerner", tenants: oracleTenants }),
  platform({ id: "cerner-patient", audience: "patient", tenants: oracleTenants }),
]);
const refs = (q: string, limit = 5, platformId?: string, state?: string) =>
  catalog.searchTenants(q, limit, platformId, { state }).map((m) =>
    `${m.platform.id}:${m.tenant.id}`
  );

describe("tenant search ranking", () => {
  it("puts the exact name first, then names starting with it, then names holding its words", () => {
    expect(refs("mayo clinic")).toEqual(["epic:mayo-clinic", "epic:mayo-clinic-health-system"]);
    expect(refs("Mass General", 3)).toEqual([
      "epic:mass-general-brigham",
      "epic:massachusetts-general-hospital",
      "epic:general-clinic",
    ]);
  });

  it("matches initials and the letters of a short word ('MGH')", () => {
    expect(refs("MGH", 2)).toEqual(["athena:mgh-acc", "epic:massachusetts-general-hospital"]);
  });

  it("finds a brand by an alias and says which name matched", () => {
    const [hit] = catalog.searchTenants("new york presbyterian", 1);
    expect(hit?.tenant.id).toBe("consortium");
    expect(hit?.matched).toBe("New York Presbyterian");
    expect(catalog.searchTenants("new york consortium", 1)[0]?.matched).toBeUndefined();
  });

  it("matches published abbreviations ('Reg. Med. Ctr.') and ranks the rare word first", () => {
    expect(refs("Coffeyville Regional Medical", 1)).toEqual(["meditech:coffeyville"]);
    expect(refs("saint lukes hospital", 5)).toContain("epic:st-lukes");
  });

  it("answers tenants with the rare words when none has every word", () => {
    // No tenant is "Mayo ... Zebra"; Mayo is rare, so the Mayo tenants answer.
    expect(refs("mayo zebra")).toEqual(["epic:mayo-clinic", "epic:mayo-clinic-health-system"]);
    expect(refs("zebra quagga")).toEqual([]);
  });

  it("filters by platform and by state (a code, a name, or a name ending in 'CITY ST')", () => {
    expect(refs("family medicine", 5, "athena")).toEqual([
      "athena:family-medicine",
      "athena:family-medicine-austin",
      "athena:austin-family-medicine-tx",
    ]);
    expect(refs("family medicine", 5, undefined, "TX")).toEqual([
      "athena:austin-family-medicine-tx",
    ]);
    expect(refs("lakeside", 5, undefined, "Washington")).toEqual([
      "cerner:lakeside",
      "cerner:provider-only",
    ]);
    // "MD" ending a doctor's name is not Maryland.
    expect(refs("smith", 5, undefined, "MD")).toEqual([]);
    expect(refs("smith", 5, "no-such-platform")).toEqual([]);
  });

  it("answers an organization once across platforms, naming its other-audience twin", () => {
    const [hit] = catalog.searchTenants("lakeside hospital", 5);
    expect(`${hit?.platform.id}:${hit?.tenant.id}`).toBe("cerner:lakeside");
    expect(hit?.twins?.map((p) => p.id)).toEqual(["cerner-patient"]);
    // On the patient-facing platform itself: only tenants with a patient base.
    expect(refs("lakeside", 5, "cerner-patient")).toEqual(["cerner-patient:lakeside"]);
  });

  it("lists tenants in order for an empty query, within the limit", () => {
    expect(refs("", 2, "epic")).toEqual([
      "epic:mass-general-brigham",
      "epic:massachusetts-general-hospital",
    ]);
    expect(refs("the of and", 5)).toEqual([]);
  });

  it("stays bounded on hostile queries: huge, many words, control characters, symbols only", () => {
    const huge = "mass ".repeat(20_000);
    const t0 = performance.now();
    expect(refs(huge, 3)[0]).toBe("epic:mass-general-brigham");
    expect(refs(Array.from({ length: 500 }, (_, i) => `w${i}`).join(" "))).toEqual([]);
    expect(refs("\u0000\u0001mayo\u0007", 1)).toEqual(["epic:mayo-clinic"]);
    expect(refs("%%%***!!!", 5)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(5_000); // no super-linear blow-up
  });
});

describe("tenant refs", () => {
  it("resolve by tenant id, vendor id, alias and a merged brand's slug", () => {
    expect(catalog.get("athena:9242").key).toBe("athena:mgh-acc");
    expect(catalog.get("epic:weill-cornell").key).toBe("epic:consortium");
    expect(catalog.get("epic:New York Presbyterian").key).toBe("epic:consortium");
  });

  it("pick the base of the platform's audience", () => {
    expect(catalog.get("cerner:lakeside").baseUrl).toBe("https://e.example/T1");
    expect(catalog.get("cerner-patient:lakeside").baseUrl).toBe("https://p.example/T1");
    expect(() => catalog.get("cerner-patient:provider-only")).toThrow(
      /publishes no patient-facing FHIR base/,
    );
  });
});
