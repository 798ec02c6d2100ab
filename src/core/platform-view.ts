import { type Platform, requiresAuth } from "../catalog/platform.ts";
import type { Tenant } from "../catalog/schema.ts";
import type { TenantMatch } from "../catalog/tenant-search.ts";

/** A platform in one line's worth of fields: what listings show. */
export interface PlatformCard {
  id: string;
  name: string;
  type: Platform["type"];
  status: Platform["status"];
  auth_required: boolean;
  /** Whether the operator configured a client id for it (never the id itself). */
  credentials_configured: boolean;
  fhir_version?: string;
  status_reason?: string;
  tenant_count?: number;
}

/** What anyone may see of a platform: an allowlist, so a new Platform field stays private. */
export interface PlatformDetail extends PlatformCard {
  display_name?: string;
  description?: string;
  aliases: string[];
  /** The gateway's own FHIR base for this platform. */
  gateway_base_url: string;
  /** The platform's published FHIR base (public catalog data), when it has one. */
  fhir_base_url?: string;
  developer_portal?: string;
  documentation?: string;
  implementation_guides: string[];
  api_products?: string[];
  capabilities: Record<string, boolean>;
  supported_resources?: string[];
  /** Scopes a login asks for by default. */
  default_scopes?: string[];
  tenant?: { id: string; name: string };
}

/** The listing view of a platform. */
export function toPlatformCard(p: Platform): PlatformCard {
  return {
    id: p.key,
    name: p.display_name ?? p.name,
    type: p.type,
    status: p.status,
    auth_required: requiresAuth(p),
    credentials_configured: Boolean(p.credentials.clientId),
    ...(p.fhir_version ? { fhir_version: p.fhir_version } : {}),
    ...(p.status_reason && p.status !== "active" ? { status_reason: p.status_reason } : {}),
    ...(p.tenants?.length ? { tenant_count: p.tenants.length } : {}),
  };
}

/** The detail view of a platform. */
export function toPlatformDetail(p: Platform, gatewayBase: string): PlatformDetail {
  const pick = <T>(v: T | undefined) => (v === undefined ? {} : v);
  return {
    ...toPlatformCard(p),
    ...pick(p.display_name && { display_name: p.display_name }),
    ...pick(p.description && { description: p.description }),
    aliases: [...p.aliases],
    gateway_base_url: gatewayBase,
    ...pick((p.baseUrl ?? p.fhir_base_url) && { fhir_base_url: p.baseUrl ?? p.fhir_base_url }),
    ...pick(p.developer_portal && { developer_portal: p.developer_portal }),
    ...pick(p.documentation && { documentation: p.documentation }),
    implementation_guides: [...p.implementation_guides],
    ...pick(p.api_products && { api_products: [...p.api_products] }),
    capabilities: { ...p.capabilities },
    ...pick(p.supported_resources && { supported_resources: [...p.supported_resources] }),
    ...pick(p.oauth?.scopes && { default_scopes: [...p.oauth.scopes] }),
    ...pick(p.tenant && { tenant: { id: p.tenant.id, name: p.tenant.name } }),
  };
}

/**
 * What anyone may see of a tenant, with the reference to route to it; for a search hit, the
 * alias that matched and the same organization on a platform of the other audience.
 */
export function toTenantView(
  p: Platform,
  t: Tenant,
  match?: Pick<TenantMatch, "matched" | "twins">,
): Record<string, unknown> {
  return {
    ref: `${p.id}:${t.id}`,
    platform: p.id,
    id: t.id,
    name: t.name,
    ...(t.aliases?.length ? { aliases: t.aliases } : {}),
    ...(t.city ? { city: t.city } : {}),
    ...(t.state ? { state: t.state } : {}),
    ...(t.fhir_version ? { fhir_version: t.fhir_version } : {}),
    ...(t.website ? { website: t.website } : {}),
    ...(t.portal_url ? { portal_url: t.portal_url } : {}),
    fhir_base_url: t.fhir_base_url,
    ...(t.bases ? { bases: { ...t.bases } } : {}),
    ...(match?.matched ? { matched: match.matched } : {}),
    ...(match?.twins?.length ? { also: match.twins.map((twin) => `${twin.id}:${t.id}`) } : {}),
  };
}
