import { describe, expect, it } from "vitest";
import { json } from "../helpers/test-app.ts";
import { shippedApp } from "./_helpers.ts";

const secret = "top-secret-client-value-42";
const t = await shippedApp({
  FHIR_GATEWAY_PLATFORM_AETNA_CLIENT_ID: "aetna-client",
  FHIR_GATEWAY_PLATFORM_AETNA_CLIENT_SECRET: secret,
  FHIR_GATEWAY_PLATFORM_EPIC_CLIENT_SECRET: secret,
});

type Listing = {
  count: number;
  platforms: Array<Record<string, unknown> & { id: string; status: string }>;
  tenants?: Array<{ ref: string }>;
};
type Outcome = { resourceType: string; issue: Array<{ code: string; diagnostics?: string }> };

describe("GET /api/platforms", () => {
  it("lists every shipped platform with its status and never a client secret", async () => {
    const res = await t.app.request("/api/platforms");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/client_secret/i);
    const body = JSON.parse(text) as Listing;
    expect(body.count).toBe(70);
    const byId = new Map(body.platforms.map((p) => [p.id, p]));
    expect(byId.get("epic")?.status).toBe("needs-registration");
    expect(byId.get("epic")?.status_reason).toContain("https://fhir.epic.com");
    expect(byId.get("aetna")).toMatchObject({ status: "active", credentials_configured: true });
    expect(byId.get("bcbsmi")?.status).toBe("unverified");
  });

  it("filters by type and status, and refuses an unknown type with 400", async () => {
    const payers = await json<Listing>(await t.app.request("/api/platforms?type=payer"));
    expect(payers.count).toBe(34);
    const waiting = await json<Listing>(
      await t.app.request("/api/platforms?type=ehr&status=needs-registration"),
    );
    expect(waiting.platforms.every((p) => p.status === "needs-registration")).toBe(true);
    expect(waiting.count).toBe(19);
    const bad = await t.app.request("/api/platforms?type=hospital");
    expect(bad.status).toBe(400);
    expect((await json<Outcome>(bad)).resourceType).toBe("OperationOutcome");
  });

  it("searches names and patterns with q, and answers matching tenants", async () => {
    const found = await json<Listing>(
      await t.app.request("/api/platforms?q=blue%20cross%20michigan"),
    );
    expect(found.platforms.map((p) => p.id)).toContain("bcbsmi");
    const sandbox = await json<Listing>(await t.app.request("/api/platforms?q=code%20sandbox"));
    expect(sandbox.tenants?.map((x) => x.ref)).toEqual(["cerner:sandbox"]);
  });

  it("shows one platform by alias and a tenant by platform:tenant", async () => {
    const one = await json<{ id: string }>(await t.app.request("/api/platforms/mychart"));
    expect(one.id).toBe("epic");
    const tenant = await json<{ key: string; fhir_base_url: string; status: string }>(
      await t.app.request("/api/platforms/cerner:sandbox"),
    );
    expect(tenant).toMatchObject({ id: "cerner:sandbox", status: "active" });
    expect(tenant.fhir_base_url).toContain("fhir-ehr-code.cerner.com");
    const missing = await t.app.request("/api/platforms/nope");
    expect(missing.status).toBe(404);
  });
});

describe("routing to a platform that needs registration", () => {
  it("answers 503 with an OperationOutcome saying what is missing and where to register", async () => {
    const res = await t.app.request("/api/fhir/athena/Patient?name=smith");
    expect(res.status).toBe(503);
    const body = await json<Outcome>(res);
    expect(body.resourceType).toBe("OperationOutcome");
    const text = JSON.stringify(body);
    expect(text).toContain("no FHIR base URL");
    expect(text).toContain("https://developer.athenahealth.com");
    expect(text).toContain("FHIR_GATEWAY_PLATFORM_ATHENA_FHIR_BASE_URL");
    expect(text).toContain('Platform \\"athena\\"');
  });

  it("sends an Epic caller to Epic's developer portal", async () => {
    const res = await t.app.request("/api/fhir/epic/Patient");
    expect(res.status).toBe(503);
    expect(JSON.stringify(await json(res))).toContain("https://fhir.epic.com");
  });
});
