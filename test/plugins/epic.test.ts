import { describe, expect, it } from "vitest";
import epic, { epicUnsupportedParams } from "../../plugins/epic.ts";
import { pluginApplies } from "../../src/hooks/define-plugin.ts";
import { ctxOf, platformOf, upstreamGet, withTenant } from "./_platform.ts";

const base = "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4";
const sandbox = platformOf({ id: "epic-sandbox-patient", type: "sandbox", fhir_base_url: base }, {
  FHIR_GATEWAY_PLATFORM_EPIC_SANDBOX_PATIENT_CLIENT_ID: "app-123",
});
const authorize = (p = sandbox, initial = "") =>
  epic.authorizeParams!(new URLSearchParams(initial), ctxOf(p)) as URLSearchParams;

describe("epic plugin", () => {
  it("applies to Epic, its sandboxes and MyChart aliases", () => {
    expect(pluginApplies(epic, sandbox)).toBe(true);
    expect(pluginApplies(epic, platformOf({ id: "epic" }))).toBe(true);
    expect(pluginApplies(epic, platformOf({ id: "cerner" }))).toBe(false);
  });

  it("always sends aud, equal to the FHIR base", () => {
    expect(authorize().get("aud")).toBe(base);
  });

  it("sends the organization's FHIR base as aud for a tenant", () => {
    const org = "https://epicproxy.example.org/FHIR/api/FHIR/R4";
    const p = withTenant(platformOf({ id: "epic" }), { id: "example-health", fhir_base_url: org });
    expect(authorize(p).get("aud")).toBe(org);
  });

  it("keeps an aud set earlier from the file's oauth.aud", () => {
    expect(authorize(sandbox, "aud=https://custom.example/").get("aud")).toBe(
      "https://custom.example/",
    );
  });

  it("sets Accept for R4 and DSTU2 and identifies the app with Epic-Client-ID", async () => {
    const req = upstreamGet(`${base}/Patient/abc`, { accept: "application/json+fhir" });
    const out = await epic.beforeRequest!(req, ctxOf(sandbox, { interaction: "read" }));
    expect(out.headers.get("accept")).toBe("application/fhir+json");
    expect(out.headers.get("epic-client-id")).toBe("app-123");

    const dstu2 = platformOf({ id: "epic-dstu2", fhir_version: "DSTU2", fhir_base_url: base });
    const old = await epic.beforeRequest!(req, ctxOf(dstu2, { interaction: "read" }));
    expect(old.headers.get("accept")).toBe("application/json+fhir");
    expect(old.headers.has("epic-client-id")).toBe(false);
  });

  it("drops the search parameters Epic does not support, keeping the others", async () => {
    const req = upstreamGet(
      `${base}/Observation?patient=abc&category=laboratory&_total=accurate&_sort=-date&_count=10`,
      { authorization: "Bearer t" },
    );
    const out = await epic.beforeRequest!(req, ctxOf(sandbox, { interaction: "search" }));
    const params = new URL(out.url).searchParams;
    for (const p of epicUnsupportedParams) expect(params.has(p)).toBe(false);
    expect(params.get("patient")).toBe("abc");
    expect(params.get("category")).toBe("laboratory");
    expect(params.get("_count")).toBe("10");
    expect(out.headers.get("authorization")).toBe("Bearer t");
  });

  it("drops them from a POST _search form body too", async () => {
    const req = new Request(`${base}/Observation/_search`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "patient=abc&_sort=date&code=1234-5",
    });
    const out = await epic.beforeRequest!(req, ctxOf(sandbox, { interaction: "search" }));
    expect(out.method).toBe("POST");
    expect(out.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(await out.text()).toBe("patient=abc&code=1234-5");
  });

  it("leaves parameters of other interactions alone", async () => {
    const req = upstreamGet(`${base}/Patient/abc/$everything?_sort=date`);
    const out = await epic.beforeRequest!(req, ctxOf(sandbox, { interaction: "operation" }));
    expect(new URL(out.url).searchParams.get("_sort")).toBe("date");
  });
});
