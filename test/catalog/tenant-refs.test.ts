import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { loadCatalogAndPlugins } from "../../src/load-catalog.ts";
import { silentLogger } from "../../src/log.ts";
import { generateMasterKeyLine, parseMasterKeys } from "../../src/store/master-keys.ts";
import { createMemoryStore } from "../../src/store/memory-store.ts";
import { createVault } from "../../src/store/vault.ts";
import { json } from "../helpers/test-app.ts";
import { type FhirPeer, startFhirPeer } from "../peers/fhir-server.ts";
import { shippedApp } from "./_helpers.ts";

// An Oracle Health tenant listed with both bases, and one listed provider-facing only.
const both = { id: "childrens-hospital-los-angeles", tenant: "" };
const providerOnly = { id: "", tenant: "" };

describe("refs to the shipped tenant directories", () => {
  let peer: FhirPeer;
  let t: Awaited<ReturnType<typeof shippedApp>>;
  beforeAll(async () => {
    peer = await startFhirPeer();
    // Each vendor's bases pointed at the local peer; the ref still picks the tenant.
    t = await shippedApp({
      FHIR_GATEWAY_PLATFORM_EPIC_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_PLATFORM_ECLINICALWORKS_FHIR_BASE_URL: peer.baseUrl,
      FHIR_GATEWAY_PLATFORM_MEDITECH_FHIR_BASE_URL: peer.baseUrl,
    });
    const cerner = t.catalog.get("cerner");
    const withPatient = cerner.tenants!.find((x) => x.id === both.id)!;
    both.tenant = withPatient.vendor_id!;
    const only = cerner.tenants!.find((x) => x.bases?.provider && !x.bases.patient)!;
    providerOnly.id = only.id;
    providerOnly.tenant = only.vendor_id!;
  });
  afterAll(async () => await peer?.close());

  it("epic:<org>, eclinicalworks:<practice> and meditech:<site> reach /metadata through the gateway", async () => {
    for (
      const ref of ["epic:mass-general-brigham", "eclinicalworks:aacjcd", "meditech:medical-west"]
    ) {
      const res = await t.app.request(`/api/fhir/${ref}/metadata`);
      expect(res.status, ref).toBe(200);
      expect((await json<{ resourceType: string }>(res)).resourceType).toBe("CapabilityStatement");
      expect(peer.requests.at(-1)!.url).toBe(`${peer.baseUrl}/metadata`);
    }
  });

  it("resolves refs from the shipped data without an override, to each tenant's own base", () => {
    const plain = t.catalog.get("greenway:wellness-first-p-c");
    expect(plain.baseUrl).toBe(
      "https://fhir-api.fhirprod.aws.greenwayhealth.com/fhir/R4/2.16.840.1.113883.3.441.103",
    );
    expect(t.catalog.get("modmed:palm-beach-dermatology").baseUrl).toBe(
      "https://pbd.mmi.prod.fhir.ema-api.com/fhir/r4",
    );
    // The compact index states eClinicalWorks' base once, as a template of the practice code.
    const ecw = t.catalog.find("eclinicalworks:AACJCD");
    expect(ecw?.tenant?.fhir_base_url).toBe("https://fhir4.healow.com/fhir/r4/AACJCD");
    expect(t.catalog.find("athenahealth:99999999")).toBeUndefined();
  });

  it("searches over REST by vendor and refuses hostile queries with a 4xx, never a 500", async () => {
    const found = await json<{ total: number; count: number; tenants: Array<{ ref: string }> }>(
      await t.app.request("/api/platforms/athenahealth/tenants?q=south%20shore&limit=3"),
    );
    expect(found.total).toBe(21757);
    expect(found.count).toBe(3);
    for (const x of found.tenants) expect(x.ref).toMatch(/^athena:/);
    const across = await json<{ tenants: Array<{ ref: string }> }>(
      await t.app.request("/api/platforms?q=Mass%20General"),
    );
    expect(across.tenants[0]?.ref).toBe("epic:mass-general-brigham");
    for (const bad of ["q=" + "x".repeat(201), "limit=0", "limit=100000", "limit=abc"]) {
      const res = await t.app.request(`/api/platforms/epic/tenants?${bad}`);
      expect(res.status, bad).toBe(400);
    }
    const odd = await t.app.request("/api/platforms/epic/tenants?q=%00%01%E2%9C%93%F0%9F%8F%A5");
    expect(odd.status).toBe(200);
    expect((await json<{ count: number }>(odd)).count).toBe(0);
    expect((await t.app.request("/api/platforms/no-such-vendor/tenants?q=x")).status).toBe(404);
  });

  it("keeps a brand merged into a shared Epic base reachable by its own name", () => {
    const brand = t.catalog.get("epic:gentle-pediatrics");
    expect(brand.key).toBe("epic:advanced-spine-and-pain-specialists");
    expect(brand.tenant?.aliases).toContain("Gentle Pediatrics");
  });

  it("tells Oracle Health's bases apart: cerner is provider-facing, cerner-patient patient-facing", () => {
    const provider = t.catalog.get(`cerner:${both.id}`);
    const patient = t.catalog.get(`cerner-patient:${both.id}`);
    expect(provider.baseUrl).toBe(`https://fhir-ehr.cerner.com/r4/${both.tenant}`);
    expect(patient.baseUrl).toBe(`https://fhir-myrecord.cerner.com/r4/${both.tenant}`);
    expect(patient.tenant?.bases).toEqual({
      patient: `https://fhir-myrecord.cerner.com/r4/${both.tenant}/`,
      provider: `https://fhir-ehr.cerner.com/r4/${both.tenant}/`,
    });
    // Oracle's tenant id reaches the OAuth templates of both.
    expect(patient.oauth?.authorize_url).toContain(`/tenants/${both.tenant}/`);
    expect(patient.oauth?.authorize_url).toContain("/personas/patient/");
    expect(provider.oauth?.authorize_url).toContain("/personas/provider/");
  });

  it("refuses a provider-only Oracle tenant on the patient-facing platform, saying why", async () => {
    expect(t.catalog.find(`cerner:${providerOnly.id}`)?.baseUrl).toContain("fhir-ehr.cerner.com");
    expect(t.catalog.find(`cerner-patient:${providerOnly.id}`)).toBeUndefined();
    const res = await t.app.request(`/api/fhir/cerner-patient:${providerOnly.id}/Patient`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(await json(res))).toContain("publishes no patient-facing FHIR base");
    expect(peer.requests.some((r) => r.url.includes(providerOnly.tenant))).toBe(false);
    expect(
      t.catalog.searchTenants(providerOnly.id.replaceAll("-", " "), 5, "cerner-patient")
        .map((m) => m.tenant.id),
    ).not.toContain(providerOnly.id);
  });
});

describe("an Oracle Health login uses the base of the platform's audience", () => {
  // Oracle's servers are not reachable here: a stand-in fetch answers 404 to every discovery
  // request (as a server without SMART discovery does) and records what the gateway asked,
  // so the login falls back to the platform file's authorize URL, as the SMART guide allows.
  const asked: string[] = [];
  let app: ReturnType<typeof createApp>["app"];
  beforeAll(async () => {
    const config = parseConfig({
      FHIR_GATEWAY_PUBLIC_URL: "http://gateway.test",
      FHIR_GATEWAY_STORE: "memory",
      // No identity guard in front of the logins: this test is about the upstream login.
      FHIR_GATEWAY_AUTH_MODE: "open",
      FHIR_GATEWAY_PLATFORM_CERNER_CLIENT_ID: "provider-app",
      FHIR_GATEWAY_PLATFORM_CERNER_PATIENT_CLIENT_ID: "patient-app",
    });
    const { catalog, plugins } = await loadCatalogAndPlugins(config);
    const vault = createVault(createMemoryStore(), parseMasterKeys(generateMasterKeyLine()));
    const standIn = (input: RequestInfo | URL) => {
      asked.push(String(input instanceof Request ? input.url : input));
      return Promise.resolve(new Response("not found", { status: 404 }));
    };
    ({ app } = createApp({
      config,
      catalog,
      plugins,
      log: silentLogger,
      vault,
      fetch: standIn as typeof fetch,
      runtime: "test",
    }));
  });

  const login = async (ref: string) => {
    asked.length = 0;
    const res = await app.request(`/auth/${ref}/login`);
    expect(res.status, await res.clone().text()).toBe(302);
    return new URL(res.headers.get("location")!);
  };

  it("patient-facing: the patient base as aud, the patient persona, the patient base's discovery", async () => {
    const to = await login(`cerner-patient:${both.id}`);
    expect(to.pathname).toBe(
      `/tenants/${both.tenant}/protocols/oauth2/profiles/smart-v1/personas/patient/authorize`,
    );
    expect(to.searchParams.get("aud")).toBe(`https://fhir-myrecord.cerner.com/r4/${both.tenant}`);
    expect(to.searchParams.get("client_id")).toBe("patient-app");
    expect(asked).toContain(
      `https://fhir-myrecord.cerner.com/r4/${both.tenant}/.well-known/smart-configuration`,
    );
    expect(asked.some((u) => u.includes("fhir-ehr.cerner.com"))).toBe(false);
  });

  it("provider-facing: the provider base as aud and the provider persona", async () => {
    const to = await login(`cerner:${both.id}`);
    expect(to.pathname).toContain("/personas/provider/authorize");
    expect(to.searchParams.get("aud")).toBe(`https://fhir-ehr.cerner.com/r4/${both.tenant}`);
    expect(to.searchParams.get("client_id")).toBe("provider-app");
    expect(asked.some((u) => u.includes("fhir-myrecord.cerner.com"))).toBe(false);
  });
});
