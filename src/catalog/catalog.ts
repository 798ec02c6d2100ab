import { GatewayError } from "../errors.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./schema.ts";
import { withTenant } from "./with-tenant.ts";

/** Filters for listing platforms. */
export interface PlatformQuery {
  type?: string;
  status?: string;
  /** Free text matched against names, aliases, patterns, payer ids and tenant names. */
  q?: string;
}

/** The platforms of this gateway, looked up by id, alias or `id:tenant`. */
export interface Catalog {
  /** Every platform, sorted by id. */
  all(): Platform[];
  /** Resolves a reference; undefined when nothing matches. */
  find(ref: string): Platform | undefined;
  /** Resolves a reference or throws a 404 GatewayError that says how to list platforms. */
  get(ref: string): Platform;
  list(query?: PlatformQuery): Platform[];
  /**
   * Tenants whose name, id, alias, city or state holds `q` (all tenants for an empty `q`),
   * at most `limit` (default 25), optionally of one platform only.
   */
  searchTenants(
    q: string,
    limit?: number,
    platformId?: string,
  ): Array<{ platform: Platform; tenant: Tenant }>;
}

/** Builds the lookup tables over loaded platforms. */
export function createCatalog(platforms: Platform[]): Catalog {
  const sorted = [...platforms].sort((a, b) => a.id.localeCompare(b.id));
  const byName = new Map<string, Platform>();
  for (const p of sorted) {
    byName.set(p.id, p);
    for (const a of p.aliases) if (!byName.has(a.toLowerCase())) byName.set(a.toLowerCase(), p);
  }

  const tenantMaps = new Map<string, Map<string, Tenant>>();
  const tenantsOf = (p: Platform): Map<string, Tenant> => {
    let map = tenantMaps.get(p.id);
    if (!map) {
      map = new Map();
      // Ids win over vendor ids, which win over aliases, when names overlap.
      for (const t of p.tenants ?? []) {
        for (const a of t.aliases ?? []) map.set(a.toLowerCase(), t);
      }
      for (const t of p.tenants ?? []) if (t.vendor_id) map.set(t.vendor_id.toLowerCase(), t);
      for (const t of p.tenants ?? []) map.set(t.id.toLowerCase(), t);
      tenantMaps.set(p.id, map);
    }
    return map;
  };

  const find = (ref: string): Platform | undefined => {
    const colon = ref.indexOf(":");
    if (colon < 0) return byName.get(ref.toLowerCase());
    const platform = byName.get(ref.slice(0, colon).toLowerCase());
    if (!platform) return undefined;
    const tenant = tenantsOf(platform).get(ref.slice(colon + 1).toLowerCase());
    return tenant ? withTenant(platform, tenant) : undefined;
  };

  return {
    all: () => sorted,
    find,
    get(ref) {
      const p = find(ref);
      if (p) return p;
      const tenantHint = ref.includes(":")
        ? " For a tenant, use <platform>:<tenant id> as listed by GET /api/platforms/<platform>/tenants."
        : "";
      throw new GatewayError("unknown_platform", `Unknown platform "${ref.slice(0, 80)}".`, {
        hint: `List platforms with GET /api/platforms or the list_platforms tool.${tenantHint}`,
      });
    },
    list(query = {}) {
      const q = query.q?.toLowerCase().trim();
      return sorted.filter((p) =>
        (!query.type || p.type === query.type) &&
        (!query.status || p.status === query.status) &&
        (!q || matchesText(p, q))
      );
    },
    searchTenants(q, limit = 25, platformId) {
      const needle = q.toLowerCase().trim();
      const out: Array<{ platform: Platform; tenant: Tenant }> = [];
      for (const p of sorted) {
        if (platformId && p.id !== platformId) continue;
        for (const t of p.tenants ?? []) {
          if (out.length >= limit) return out;
          const hay = [t.name, t.id, t.city ?? "", t.state ?? "", ...(t.aliases ?? [])];
          if (hay.some((h) => h.toLowerCase().includes(needle))) {
            out.push({ platform: p, tenant: t });
          }
        }
      }
      return out;
    },
  };
}

/**
 * True when the query is part of a name, alias or payer id, when one of the platform's
 * patterns (regular expressions) matches the query, or when a tenant's name holds it.
 */
function matchesText(p: Platform, q: string): boolean {
  const hay = [p.id, p.name, p.display_name ?? "", ...p.aliases, ...(p.payer_ids ?? [])];
  return hay.some((h) => h.toLowerCase().includes(q)) ||
    p.patterns.some((pattern) => safeTest(pattern, q)) ||
    (p.tenants ?? []).some((t) => t.name.toLowerCase().includes(q));
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, "i").test(text);
  } catch {
    return false; // the schema refuses invalid patterns; files built in code may skip it
  }
}
