import { Hono } from "hono";
import type { Catalog } from "../catalog/catalog.ts";
import { toPublicPlatform, toPublicTenant } from "../catalog/platform.ts";
import { platformStatuses, platformTypes } from "../catalog/schema.ts";
import { GatewayError } from "../errors.ts";

const maxLimit = 500;

/**
 * `/api/platforms`: the catalog, without secrets. `?type=`, `?status=` and `?q=` filter;
 * `q` also searches tenant names. `/api/platforms/{id}/tenants?q=&limit=` lists a
 * multi-tenant platform's organizations, each with the `ref` to route to it.
 */
export function platformRoutes(catalog: Catalog): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const type = oneOf(c.req.query("type"), platformTypes, "type");
    const status = oneOf(c.req.query("status"), platformStatuses, "status");
    const q = c.req.query("q")?.trim() || undefined;
    const platforms = catalog.list({ type, status, q }).map(toPublicPlatform);
    const tenants = q
      ? catalog.searchTenants(q, limit(c.req.query("limit"), 25)).map(({ platform, tenant }) =>
        toPublicTenant(platform, tenant)
      )
      : undefined;
    return c.json({ count: platforms.length, platforms, ...(tenants ? { tenants } : {}) });
  });
  app.get("/:id", (c) => c.json(toPublicPlatform(catalog.get(c.req.param("id")))));
  app.get("/:id/tenants", (c) => {
    const p = catalog.get(c.req.param("id"));
    const q = c.req.query("q") ?? "";
    const total = p.tenants?.length ?? 0;
    const found = catalog.searchTenants(q, limit(c.req.query("limit"), 100), p.id);
    return c.json({
      platform: p.id,
      total,
      count: found.length,
      tenants: found.map(({ platform, tenant }) => toPublicTenant(platform, tenant)),
    });
  });
  return app;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  what: string,
): T | undefined {
  if (value === undefined || value === "") return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new GatewayError("bad_request", `Unknown platform ${what} "${value.slice(0, 40)}".`, {
    hint: `Use one of: ${allowed.join(", ")}.`,
  });
}

function limit(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > maxLimit) {
    throw new GatewayError("bad_request", `limit "${value.slice(0, 20)}" is not valid.`, {
      hint: `Use a whole number from 1 to ${maxLimit}.`,
    });
  }
  return n;
}
