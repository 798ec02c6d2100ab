import { describe, expect, it } from "vitest";
import tenantUrl from "../../plugins/tenant-url.ts";
import { ctxOf, platformOf, withTenant } from "./_platform.ts";

const template = "https://auth.example.org/tenants/{tenant_id}/oauth2/token";
const vendor = platformOf({ id: "vendor", oauth: { token_url: template } });
const resolve = (p = vendor) => tenantUrl.resolveUrl!(template, { ...ctxOf(p), purpose: "token" });

describe("tenant-url plugin", () => {
  it("fills {tenant_id} with the vendor's id of the named organization", async () => {
    const p = withTenant(vendor, {
      id: "north-clinic",
      vendor_id: "t-42",
      fhir_base_url: "https://fhir.example.org/t-42",
    });
    expect(await resolve(p)).toBe("https://auth.example.org/tenants/t-42/oauth2/token");
  });

  it("uses the tenant id when the index gives no vendor id", async () => {
    const p = withTenant(vendor, { id: "north", fhir_base_url: "https://fhir.example.org/n" });
    expect(await resolve(p)).toBe("https://auth.example.org/tenants/north/oauth2/token");
  });

  it("leaves the template for later plugins when no organization was named", async () => {
    expect(await resolve()).toBe(template);
  });
});
