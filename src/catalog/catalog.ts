import { GatewayError } from "../errors.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./schema.ts";

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
  /** Tenants of the platforms matching a name query. */
  searchTenants(q: string, limit?: number): Array<{ platform: Platform; tenant: Tenant }>;
}

/** Builds the lookup tables over loaded platforms. */
export function createCatalog(platforms: Platform[]): Catalog {
  const sorted = [...platforms].sort((a, b) => a.id.localeCompare(b.id));
  const byName = new Map<string, Platform>();
  for (const p of sorted) {
    byName.set(p.id, p);
    for (const a of p.aliases) if (!byName.has(a.toLowerCase())) byName.set(a.toLowerCase(), p);
  }

  const find = (ref: string): Platform | undefined => {
    const colon = ref.indexOf(":");
    if (colon < 0) return byName.get(ref.toLowerCase());
    const platform = byName.get(ref.slice(0, colon).toLowerCase());
    const tenantRef = ref.slice(colon + 1).toLowerCase();
    const tenant = platform?.tenants?.find((t) =>
      t.id.toLowerCase() === tenantRef || t.aliases?.some((a) => a.toLowerCase() === tenantRef)
    );
    if (!platform || !tenant) return undefined;
    return withTenant(platform, tenant);
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
    searchTenants(q, limit = 25) {
      const needle = q.toLowerCase().trim();
      const out: Array<{ platform: Platform; tenant: Tenant }> = [];
      for (const p of sorted) {
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

function matchesText(p: Platform, q: string): boolean {
  const hay = [
    p.id,
    p.name,
    p.display_name ?? "",
    ...p.aliases,
    ...p.patterns,
    ...(p.payer_ids ?? []),
  ];
  return hay.some((h) => h.toLowerCase().includes(q)) ||
    (p.tenants ?? []).some((t) => t.name.toLowerCase().includes(q));
}

/** A platform narrowed to one organization: its own base URL, same plugins and OAuth. */
function withTenant(p: Platform, tenant: Tenant): Platform {
  return {
    ...p,
    key: `${p.id}:${tenant.id}`,
    baseUrl: p.baseUrlFromEnv ? p.baseUrl : tenant.fhir_base_url.replace(/\/+$/, ""),
    tenant,
  };
}
