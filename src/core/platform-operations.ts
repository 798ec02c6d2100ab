import type { Catalog } from "../catalog/catalog.ts";
import type { Platform } from "../catalog/platform.ts";
import type { platformStatuses, platformTypes } from "../catalog/schema.ts";
import {
  type PlatformCard,
  type PlatformDetail,
  toPlatformCard,
  toPlatformDetail,
  toTenantView,
} from "./platform-view.ts";

/** Filters of a platform listing. */
export interface PlatformFilter {
  type?: (typeof platformTypes)[number];
  status?: (typeof platformStatuses)[number];
  /** Text in names, aliases, payer ids; also searches tenant names. */
  q?: string;
  limit?: number;
  /** How many tenants to answer for `q` (default 25). */
  tenantLimit?: number;
  /** Only tenants in this US state (code or name). */
  state?: string;
}

/** The catalog as callers see it: allowlisted views only. */
export interface PlatformOperations {
  list(filter?: PlatformFilter): {
    count: number;
    platforms: PlatformCard[];
    tenants?: Record<string, unknown>[];
  };
  detail(platformRef: string): PlatformDetail;
  tenants(
    platformRef: string,
    q: string,
    limit: number,
    filter?: { state?: string },
  ): { platform: string; total: number; tenants: Record<string, unknown>[] };
}

/** Builds the platform listing operations over the catalog. */
export function createPlatformOperations(
  deps: { catalog: Catalog; baseFor(p: Platform): string },
): PlatformOperations {
  const { catalog } = deps;
  return {
    list(filter = {}) {
      const all = catalog.list({ type: filter.type, status: filter.status, q: filter.q });
      const tenants = filter.q
        ? catalog.searchTenants(filter.q, filter.tenantLimit ?? 25, undefined, {
          state: filter.state,
        }).map((m) => toTenantView(m.platform, m.tenant, m))
        : undefined;
      return {
        count: all.length,
        platforms: all.slice(0, filter.limit ?? all.length).map(toPlatformCard),
        ...(tenants?.length ? { tenants } : {}),
      };
    },
    detail(platformRef) {
      const p = catalog.get(platformRef);
      return toPlatformDetail(p, deps.baseFor(p));
    },
    tenants(platformRef, q, limit, tenantFilter = {}) {
      const p = catalog.get(platformRef);
      return {
        platform: p.id,
        total: p.tenants?.length ?? 0,
        tenants: catalog.searchTenants(q, limit, p.id, tenantFilter).map((m) =>
          toTenantView(m.platform, m.tenant, m)
        ),
      };
    },
  };
}
