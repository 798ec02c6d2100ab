import type { PlatformFile, Tenant } from "./schema.ts";

/** Client credentials of a platform, from env vars only. Never serialized. */
export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
}

/** A platform ready for routing: its file plus what the environment adds. */
export interface Platform extends PlatformFile {
  /** Canonical reference: the id, or `id:tenant` for an organization of a multi-tenant EHR. */
  key: string;
  /** The file it came from, as named in messages. */
  source: string;
  /** Effective FHIR base URL without trailing slash (env override > tenant > file), if any. */
  baseUrl?: string;
  /** True when the FHIR base came from FHIR_GATEWAY_PLATFORM_<ID>_FHIR_BASE_URL. */
  baseUrlFromEnv: boolean;
  credentials: ClientCredentials;
  /** The organization, when the reference named one. */
  tenant?: Tenant;
}

/** The env var prefix of a platform: `FHIR_GATEWAY_PLATFORM_<ID>_` with `-` as `_`. */
export function envPrefix(platformId: string): string {
  return `FHIR_GATEWAY_PLATFORM_${platformId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_`;
}

/** What callers may see of a platform: no credentials, only whether they are configured. */
export function toPublicPlatform(p: Platform): Record<string, unknown> {
  const { credentials, baseUrlFromEnv: _env, source: _source, tenants, oauth, ...rest } = p;
  const out: Record<string, unknown> = {
    ...rest,
    fhir_base_url: p.baseUrl ?? p.fhir_base_url,
    credentials_configured: Boolean(credentials.clientId),
    auth_required: requiresAuth(p),
  };
  if (oauth) out.oauth = { ...oauth, client_id: undefined };
  if (tenants) out.tenant_count = tenants.length;
  return out;
}

/** True when requests to this platform need a SMART login. */
export function requiresAuth(p: Platform): boolean {
  return Boolean(p.oauth && (p.oauth.authorize_url || p.oauth.token_url || p.oauth.discovery_url));
}

/** What callers see of a tenant, with the reference to route to it. */
export function toPublicTenant(p: Platform, t: Tenant): Record<string, unknown> {
  return { ref: `${p.id}:${t.id}`, platform: p.id, ...t };
}
