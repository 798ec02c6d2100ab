import { definePlugin } from "../src/plugin.ts";
import { fillTenantId, vendorTenantId } from "./_tenant.ts";

/**
 * Fills `{tenant_id}` in a platform's OAuth URL templates with the organization the caller
 * named (`<platform>:<tenant>`), for every multi-tenant vendor. Vendor plugins that can infer
 * the tenant otherwise (Cerner, from its FHIR base) run later and fill what is left.
 */
export default definePlugin({
  name: "tenant-url",
  platforms: "*",
  order: 15,
  resolveUrl(url, { platform }) {
    return fillTenantId(url, vendorTenantId(platform));
  },
});
