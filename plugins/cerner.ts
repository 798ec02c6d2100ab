import { definePlugin } from "../src/plugin.ts";
import { fillTenantId } from "./_tenant.ts";

const fhirJson = "application/fhir+json";

/**
 * The tenant id in a Cerner (Oracle Health Millennium) FHIR base: the path segment after the
 * FHIR version, e.g. `https://fhir-open.cerner.com/r4/<tenant>/`.
 */
export function cernerTenantFromBase(base: string | undefined): string | undefined {
  if (!base) return undefined;
  try {
    const parts = new URL(base).pathname.split("/").filter(Boolean);
    const at = parts.findIndex((p) => /^(r4|dstu2)$/i.test(p));
    const id = at >= 0 ? parts[at + 1] : undefined;
    return id && /^[A-Za-z0-9-]+$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Oracle Health (Cerner) Millennium:
 * - asks for `Accept: application/fhir+json` and sends write bodies as FHIR JSON (Millennium
 *   answers 406/415 to other media types);
 * - its authorization server URLs carry the same tenant id as the FHIR base
 *   (`https://authorization.cerner.com/tenants/{tenant_id}/...`): when no organization was
 *   named, `{tenant_id}` is filled from the FHIR base URL.
 */
export default definePlugin({
  name: "cerner",
  platforms: ["cerner", "cerner-*", "oracle-health*", "oracle health"],
  order: 50,
  resolveUrl(url, { platform }) {
    return fillTenantId(url, cernerTenantFromBase(platform.baseUrl));
  },
  beforeRequest(request) {
    const headers = new Headers(request.headers);
    headers.set("accept", fhirJson);
    const type = headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    // JSON Patch keeps its own type; plain JSON bodies are FHIR resources.
    if (type === "application/json" || type === "application/json+fhir") {
      headers.set("content-type", fhirJson);
    }
    return new Request(request, { headers });
  },
});
