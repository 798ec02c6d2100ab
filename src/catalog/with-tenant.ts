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
  const base = baseFor(p, tenant);
  const routable = p.status !== "disabled" && Boolean(base);
  const reason = base ? p.status_reason : `${tenant.name} publishes no ${p.audience}-facing ` +
    `FHIR base; platforms of another audience may list it (GET /api/platforms?q=${p.id}).`;
  return {
    ...p,
    key: `${p.id}:${tenant.id}`,
    status: routable ? "active" : "disabled",
    status_reason: routable ? undefined : reason,
    baseUrl: p.baseUrlFromEnv ? p.baseUrl : base?.replace(/\/+$/, ""),
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

/**
 * The tenant's base for the platform's audience: a patient-facing platform uses the patient
 * base of an organization that has one per audience (Oracle Health), and has none when the
 * organization publishes only the other one. Without an audience, the tenant's own base.
 */
export function baseFor(p: Pick<Platform, "audience">, tenant: Tenant): string | undefined {
  if (!p.audience || !tenant.bases) return tenant.fhir_base_url;
  return tenant.bases[p.audience];
}

function fillOAuth(oauth: PlatformOAuth, fill: (s: string) => string): PlatformOAuth {
  const out: Record<string, unknown> = { ...oauth };
  for (const [k, v] of Object.entries(oauth)) if (typeof v === "string") out[k] = fill(v);
  return out as PlatformOAuth;
}
