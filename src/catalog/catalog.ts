import { GatewayError } from "../errors.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./schema.ts";
import { createTenantSearch, type TenantMatch, type TenantSearch } from "./tenant-search.ts";
import { slug } from "./to-tenants.ts";
import { baseFor, withTenant } from "./with-tenant.ts";

/** Filters for listing platforms. */
export interface PlatformQuery {
  type?: string;
  status?: string;
  /** Free text matched against names, aliases, patterns and payer ids (tenants: searchTenants). */
  q?: string;
}

/** Narrows a tenant search. */
export interface TenantFilter {
  /** A US state, as a code ("MA") or a name. */
  state?: string;
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
   * The tenants that best match `q` by name, alias, initials, city or state, best first
   * (exact, then prefix, then word matches; see src/catalog/tenant-search.ts), or all tenants
   * in order for an empty `q`; at most `limit` (default 25), optionally of one platform and
   * one state. The word index is built on the first search.
   */
  searchTenants(
    q: string,
    limit?: number,
    platformId?: string,
    filter?: TenantFilter,
  ): TenantMatch[];
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
        // A brand merged into a shared base keeps its own ref: epic:<slug of the brand>.
        for (const a of t.aliases ?? []) map.set(slug(a) || a, t).set(a.toLowerCase(), t);
      }
      for (const t of p.tenants ?? []) if (t.vendor_id) map.set(t.vendor_id.toLowerCase(), t);
      for (const t of p.tenants ?? []) map.set(t.id.toLowerCase(), t);
      tenantMaps.set(p.id, map);
    }
    return map;
  };

  let index: TenantSearch | undefined;
  const tenantSearch = () => (index ??= createTenantSearch(sorted));

  const find = (ref: string): Platform | undefined => {
    const colon = ref.indexOf(":");
    if (colon < 0) return byName.get(ref.toLowerCase());
    const platform = byName.get(ref.slice(0, colon).toLowerCase());
    if (!platform) return undefined;
    const tenant = tenantsOf(platform).get(ref.slice(colon + 1).toLowerCase());
    // An organization without a base for this platform's audience is not one of its tenants.
    return tenant && baseFor(platform, tenant) ? withTenant(platform, tenant) : undefined;
  };

  /** The tenant a ref names on a platform whose audience it lacks, if that is why it failed. */
  const otherAudience = (ref: string): Tenant | undefined => {
    const [id = "", name = ""] = ref.split(/:(.*)/s);
    const platform = byName.get(id.toLowerCase());
    return platform?.audience ? tenantsOf(platform).get(name.toLowerCase()) : undefined;
  };

  return {
    all: () => sorted,
    find,
    get(ref) {
      const p = find(ref);
      if (p) return p;
      const lacking = otherAudience(ref);
      if (lacking) {
        const audience = byName.get(ref.split(":")[0]!.toLowerCase())!.audience;
        throw new GatewayError(
          "unknown_platform",
          `"${lacking.name}" publishes no ${audience}-facing FHIR base.`,
          { hint: "Use it on a platform of the other audience.", next: "list_platforms" },
        );
      }
      // The faces name where platforms and tenants are listed (next: list_platforms).
      const tenantOf = ref.includes(":") ? byName.get(ref.split(":")[0]!.toLowerCase()) : undefined;
      throw new GatewayError("unknown_platform", `Unknown platform "${ref.slice(0, 80)}".`, {
        next: "list_platforms",
        // A tenant ref of a known platform: the faces point at that platform's tenant list.
        details: tenantOf ? { platform: `${tenantOf.id}:` } : {},
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
    searchTenants(q, limit = 25, platformId, filter = {}) {
      return tenantSearch().search(q, { limit, platformId, state: filter.state });
    },
  };
}

/**
 * True when the query is part of a name, alias or payer id, or when one of the platform's
 * patterns (regular expressions) matches the query. (Tenant names: the tenant search.)
 */
function matchesText(p: Platform, q: string): boolean {
  const hay = [p.id, p.name, p.display_name ?? "", ...p.aliases, ...(p.payer_ids ?? [])];
  return hay.some((h) => h.toLowerCase().includes(q)) ||
    p.patterns.some((pattern) => safeTest(pattern, q));
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, "i").test(text);
  } catch {
    return false; // the schema refuses invalid patterns; files built in code may skip it
  }
}
