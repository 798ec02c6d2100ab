import { Hono } from "hono";
import type { Catalog } from "../catalog/catalog.ts";
import { toPublicPlatform } from "../catalog/platform.ts";
import { platformStatuses, platformTypes } from "../catalog/schema.ts";
import { GatewayError } from "../errors.ts";

/** `/api/platforms`: the catalog, without secrets. */
export function platformRoutes(catalog: Catalog): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const type = c.req.query("type");
    const status = c.req.query("status");
    if (type && !(platformTypes as readonly string[]).includes(type)) {
      throw new GatewayError("bad_request", `Unknown platform type "${type.slice(0, 40)}".`, {
        hint: `Use one of: ${platformTypes.join(", ")}.`,
      });
    }
    if (status && !(platformStatuses as readonly string[]).includes(status)) {
      throw new GatewayError("bad_request", `Unknown platform status "${status.slice(0, 40)}".`, {
        hint: `Use one of: ${platformStatuses.join(", ")}.`,
      });
    }
    const q = c.req.query("q");
    const platforms = catalog.list({ type, status, q }).map(toPublicPlatform);
    const tenants = q
      ? catalog.searchTenants(q).map(({ platform, tenant }) => ({
        platform: platform.id,
        ref: `${platform.id}:${tenant.id}`,
        name: tenant.name,
        fhir_base_url: tenant.fhir_base_url,
      }))
      : undefined;
    return c.json({ count: platforms.length, platforms, ...(tenants ? { tenants } : {}) });
  });
  app.get("/:id", (c) => c.json(toPublicPlatform(catalog.get(c.req.param("id")))));
  app.get("/:id/tenants", (c) => {
    const p = catalog.get(c.req.param("id"));
    const q = c.req.query("q")?.toLowerCase();
    const tenants = (p.tenants ?? []).filter((t) =>
      !q || t.name.toLowerCase().includes(q) || t.id.toLowerCase().includes(q)
    );
    return c.json({ platform: p.id, count: tenants.length, tenants });
  });
  return app;
}
