import { definePlugin } from "../src/plugin.ts";
import { fillTenantId, vendorTenantId } from "./_tenant.ts";

/**
 * Sets the SMART `aud` authorization parameter from the platform file's `oauth.aud`:
 * - `"fhir_base"` (default): the platform's effective FHIR base URL (tenant or env override
 *   included), without a trailing slash;
 * - `"none"`: no `aud` at all, for authorization servers that reject it;
 * - a URL (may hold `{tenant_id}`): sent exactly as written, which is how a platform that
 *   wants a trailing slash, or an audience other than its FHIR base, is described.
 */
export default definePlugin({
  name: "aud",
  platforms: "*",
  order: 20,
  authorizeParams(params, { platform }) {
    const setting = platform.oauth?.aud ?? "fhir_base";
    const out = new URLSearchParams(params);
    if (setting === "none") {
      out.delete("aud");
      return out;
    }
    let value = setting === "fhir_base"
      ? platform.baseUrl
      : fillTenantId(setting, vendorTenantId(platform));
    // A template whose tenant is unknown falls back to the FHIR base rather than leak "{".
    if (value?.includes("{")) value = platform.baseUrl;
    if (value) out.set("aud", value);
    return out;
  },
});
