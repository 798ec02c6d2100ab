import type { Platform } from "./platform.ts";
import type { PlatformOAuth, Tenant } from "./schema.ts";

/**
 * A platform narrowed to one organization: the tenant's FHIR base, the same plugins and
 * OAuth, with `{tenant_id}` in URL templates replaced by the vendor's tenant id. The tenant
 * is routable even when its platform as a whole needs registration: its base URL is known.
 */
export function withTenant(p: Platform, tenant: Tenant): Platform {
  const tenantId = tenant.vendor_id ?? tenant.id;
  const fill = (s: string) => s.replaceAll("{tenant_id}", encodeURIComponent(tenantId));
  const oauth = p.oauth ? fillOAuth(p.oauth, fill) : undefined;
  const routable = p.status !== "disabled";
  return {
    ...p,
    key: `${p.id}:${tenant.id}`,
    status: routable ? "active" : p.status,
    status_reason: routable ? undefined : p.status_reason,
    baseUrl: p.baseUrlFromEnv ? p.baseUrl : tenant.fhir_base_url.replace(/\/+$/, ""),
    fhir_version: tenant.fhir_version ?? p.fhir_version,
    oauth,
    endpoints: p.endpoints
      ? Object.fromEntries(
        Object.entries(p.endpoints).map(([k, v]) => [k, typeof v === "string" ? fill(v) : v]),
      )
      : undefined,
    tenant,
  };
}

function fillOAuth(oauth: PlatformOAuth, fill: (s: string) => string): PlatformOAuth {
  const out: Record<string, unknown> = { ...oauth };
  for (const [k, v] of Object.entries(oauth)) if (typeof v === "string") out[k] = fill(v);
  return out as PlatformOAuth;
}
