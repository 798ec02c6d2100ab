import { describe, expect, it } from "vitest";
import cerner, { cernerTenantFromBase } from "../../plugins/cerner.ts";
import { pluginApplies } from "../../src/hooks/define-plugin.ts";
import { ctxOf, platformOf, upstreamGet, withTenant } from "./_platform.ts";

const tenant = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
const cernerFile = {
  id: "cerner",
  aliases: ["oracle health"],
  fhir_base_url: `https://fhir-open.cerner.com/r4/${tenant}/`,
  oauth: {
    authorize_url:
      "https://authorization.cerner.com/tenants/{tenant_id}/protocols/oauth2/profiles/smart-v1/personas/patient/authorize",
  },
};
const platform = platformOf(cernerFile);
const authorizeTemplate = cernerFile.oauth.authorize_url;

describe("cerner plugin", () => {
  it("applies to Cerner and Oracle Health platforms only", () => {
    expect(pluginApplies(cerner, platform)).toBe(true);
    expect(pluginApplies(cerner, platformOf({ id: "oracle-health-sandbox" }))).toBe(true);
    expect(pluginApplies(cerner, platformOf({ id: "epic" }))).toBe(false);
  });

  it("asks for application/fhir+json whatever Accept was set before", async () => {
    const req = upstreamGet(`${platform.baseUrl}/Patient/12724066`, { accept: "application/json" });
    const out = await cerner.beforeRequest!(req, ctxOf(platform, { interaction: "read" }));
    expect(out.headers.get("accept")).toBe("application/fhir+json");
    expect(out.url).toBe(req.url);
  });

  it("sends plain-JSON resource bodies as FHIR JSON, but keeps JSON Patch", async () => {
    const post = new Request(`${platform.baseUrl}/Observation`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"resourceType":"Observation"}',
    });
    const out = await cerner.beforeRequest!(post, ctxOf(platform, { interaction: "create" }));
    expect(out.headers.get("content-type")).toBe("application/fhir+json");
    expect(await out.text()).toBe('{"resourceType":"Observation"}');

    const patch = new Request(`${platform.baseUrl}/Observation/1`, {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: "[]",
    });
    const patched = await cerner.beforeRequest!(patch, ctxOf(platform, { interaction: "patch" }));
    expect(patched.headers.get("content-type")).toBe("application/json-patch+json");
  });

  it("reads the tenant id from a Cerner FHIR base", () => {
    expect(cernerTenantFromBase(`https://fhir-myrecord.cerner.com/r4/${tenant}`)).toBe(tenant);
    expect(cernerTenantFromBase(`https://fhir-open.cerner.com/dstu2/${tenant}/`)).toBe(tenant);
    expect(cernerTenantFromBase("https://fhir.example.org/fhir")).toBeUndefined();
    expect(cernerTenantFromBase(undefined)).toBeUndefined();
  });

  it("fills {tenant_id} of OAuth URLs from the FHIR base when no organization was named", async () => {
    const url = await cerner.resolveUrl!(authorizeTemplate, {
      ...ctxOf(platform),
      purpose: "authorize",
    });
    expect(url).toBe(
      `https://authorization.cerner.com/tenants/${tenant}/protocols/oauth2/profiles/smart-v1/personas/patient/authorize`,
    );
  });

  it("uses the named organization's FHIR base for its tenant id", async () => {
    const other = "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca";
    const p = withTenant(platform, {
      id: "acme-health",
      fhir_base_url: `https://fhir-myrecord.cerner.com/r4/${other}`,
    });
    const url = await cerner.resolveUrl!(authorizeTemplate, { ...ctxOf(p), purpose: "token" });
    expect(url).toContain(`/tenants/${other}/`);
  });
});
