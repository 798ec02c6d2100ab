import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlatformFiles, toPlatform } from "../../src/catalog/load.ts";
import { platformFileSchema } from "../../src/catalog/schema.ts";
import { coverageFlags, payerServices, requireService } from "../../src/coverage/payer-services.ts";
import { builtinPlatformsDir } from "../../src/load-catalog.ts";
import { json, makeTestApp } from "../helpers/test-app.ts";

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "platforms", "test-payer.json"), "utf8"),
);
const parse = (file: Record<string, unknown>) => platformFileSchema.safeParse(file);
const platform = (file: Record<string, unknown>, env: Record<string, string> = {}) =>
  toPlatform(`platforms/${file.id}.json`, platformFileSchema.parse(file), env);

describe("the services block of payer platform files", () => {
  it("accepts the test payer's block and derives the flags from it", () => {
    const p = platform(fixture);
    const services = payerServices(p, {});
    expect(services.crd).toEqual({
      base: "http://127.0.0.1:9/cds",
      hooks: ["order-sign", "order-select", "appointment-book"],
    });
    expect(coverageFlags(services)).toEqual({ crd: true, dtr: true, pas: true });
    expect(services.policyLinks).toEqual({
      prior_auth_list: "https://payer.example/prior-auth-list",
      imaging_policy: "https://payer.example/policy/imaging",
    });
  });

  it("refuses a service the capability flags deny, and crd_hooks the block does not list", () => {
    const denied = parse({ ...fixture, capabilities: { crd: false, dtr: true, pas: true } });
    expect(denied.success).toBe(false);
    expect(denied.error?.issues[0]).toMatchObject({ path: ["capabilities", "crd"] });
    const hooks = parse({ ...fixture, crd_hooks: ["order-dispatch"] });
    expect(hooks.success).toBe(false);
    expect(hooks.error?.issues[0]?.message).toContain("order-dispatch");
  });

  it("refuses unknown fields, unknown hooks and non-http URLs in the block", () => {
    for (
      const services of [
        { ...fixture.services, extra: true },
        { crd: { cds_base_url: "http://x/cds", hooks: ["order-launch"] } },
        { dtr: { fhir_base_url: "ftp://x/fhir" } },
        { auth: "password" },
      ]
    ) {
      expect(parse({ ...fixture, services }).success, JSON.stringify(services)).toBe(false);
    }
  });

  it("takes each URL from FHIR_GATEWAY_PLATFORM_<ID>_{CRD,DTR,PAS}_URL over the file", () => {
    const p = platform(fixture);
    const env = { FHIR_GATEWAY_PLATFORM_TEST_PAYER_PAS_URL: "https://pas.example/fhir/" };
    expect(payerServices(p, env).pas).toEqual({ base: "https://pas.example/fhir" });
  });

  it("says a flagged service without an address needs its URL, and names the env var", () => {
    const p = platform({
      id: "flagged",
      name: "Flagged",
      type: "payer",
      capabilities: { crd: true },
    });
    expect(() => requireService(p, payerServices(p, {}), "crd")).toThrow(
      /not in platforms\/flagged.json/,
    );
    try {
      requireService(p, payerServices(p, {}), "crd");
    } catch (err) {
      expect((err as { hint?: string }).hint).toContain("FHIR_GATEWAY_PLATFORM_FLAGGED_CRD_URL");
    }
  });

  it("keeps every shipped platform file valid, and no shipped services block contradicts a flag", async () => {
    const files = await loadPlatformFiles([builtinPlatformsDir]);
    expect(files.length).toBeGreaterThan(60);
    for (const f of files) {
      const services = payerServices(toPlatform(f.file, f.platform, {}), {});
      for (const name of ["crd", "dtr", "pas"] as const) {
        if (services[name]) {
          expect(f.platform.capabilities[name], `${f.file} ${name}`).not.toBe(false);
        }
      }
    }
  });
});

describe("a shipped payer that flags CRD without an address (Aetna)", () => {
  const aetna = JSON.parse(readFileSync(join(builtinPlatformsDir, "aetna.json"), "utf8"));

  it("get_policy_rules names the missing address and still answers the file's policy pages", async () => {
    const { app } = await makeTestApp({ platforms: [aetna] });
    const response = await app.request("/api/coverage/aetna/get_policy_rules", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "72148", system: "cpt" }),
    });
    const body = await json<
      {
        sources: Array<
          { source: string; status: string; detail: string; rules: Array<{ url: string }> }
        >;
      }
    >(response);
    expect(response.status).toBe(200);
    const [crd, dtr, links] = body.sources;
    expect(crd).toMatchObject({ source: "crd", status: "unavailable" });
    expect(crd!.detail).toContain("FHIR_GATEWAY_PLATFORM_AETNA_CRD_URL");
    expect(dtr!.detail).toContain("FHIR_GATEWAY_PLATFORM_AETNA_DTR_URL");
    expect(links!.rules.map((r) => r.url)).toContain(
      "https://www.aetna.com/health-care-professionals/clinical-policy-bulletins.html",
    );
  });

  it("check_prior_auth says which setting gives the CRD address, before reading any EHR", async () => {
    const { app } = await makeTestApp({ platforms: [aetna] });
    const response = await app.request("/api/coverage/aetna/check_prior_auth", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ehr_platform_id: "no-such-ehr",
        patient_id: "p1",
        code: "72148",
        system: "cpt",
      }),
    });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("FHIR_GATEWAY_PLATFORM_AETNA_CRD_URL");
  });
});

describe("coverage REST bodies", () => {
  it("refuses a body over 1 MB with 413 before parsing it", async () => {
    const { app } = await makeTestApp({ platforms: [fixture] });
    const response = await app.request("/api/coverage/test-payer/check_prior_auth", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ display: "x".repeat(1_100_000) }),
    });
    expect(response.status).toBe(413);
  });
});
