import { Hono } from "hono";
import type { PlatformOperations } from "../core/platform-operations.ts";
import { queryOf } from "./query.ts";
import { platformListQuery, tenantListQuery } from "./schemas.ts";

/**
 * `/api/platforms`: the catalog as allowlisted views. `?type=`, `?status=` and `?q=` filter;
 * `q` also searches tenant names. `/api/platforms/{id}/tenants?q=&limit=` lists a
 * multi-tenant platform's organizations, each with the `ref` to route to it.
 */
export function platformRoutes(platforms: PlatformOperations): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const query = queryOf(c, platformListQuery);
    return c.json(platforms.list({
      type: query.type,
      status: query.status,
      q: query.q?.trim() || undefined,
      state: query.state,
      tenantLimit: query.limit ?? 25,
    }));
  });
  app.get("/:id", (c) => c.json(platforms.detail(c.req.param("id"))));
  app.get("/:id/tenants", (c) => {
    const query = queryOf(c, tenantListQuery);
    const found = platforms.tenants(c.req.param("id"), query.q ?? "", query.limit ?? 100, {
      state: query.state,
    });
    return c.json({ ...found, count: found.tenants.length });
  });
  return app;
}
