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

/**
 * True when requests to this platform need a SMART login: it has an `oauth` block (with or
 * without URLs: most vendors' files leave the endpoints to SMART discovery), or it declares
 * the SMART App Launch guide. Only platforms with neither (e.g. `local`) are called without one.
 */
export function requiresAuth(p: Platform): boolean {
  return p.oauth !== undefined ||
    (p.implementation_guides ?? []).some((g) => /\bSMART\b/i.test(g));
}
