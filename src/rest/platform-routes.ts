import { Hono } from "hono";
import type { PlatformOperations } from "../core/platform-operations.ts";
import { platformStatuses, platformTypes } from "../catalog/schema.ts";
import { GatewayError } from "../errors.ts";

const maxLimit = 500;

/**
 * `/api/platforms`: the catalog, without secrets. `?type=`, `?status=` and `?q=` filter;
 * `q` also searches tenant names. `/api/platforms/{id}/tenants?q=&limit=` lists a
 * multi-tenant platform's organizations, each with the `ref` to route to it.
 */
export function platformRoutes(platforms: PlatformOperations): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const type = oneOf(c.req.query("type"), platformTypes, "type");
    const status = oneOf(c.req.query("status"), platformStatuses, "status");
    const q = c.req.query("q")?.trim() || undefined;
    return c.json(
      platforms.list({ type, status, q, tenantLimit: limit(c.req.query("limit"), 25) }),
    );
  });
  app.get("/:id", (c) => c.json(platforms.detail(c.req.param("id"))));
  app.get("/:id/tenants", (c) => {
    const q = c.req.query("q") ?? "";
    const found = platforms.tenants(c.req.param("id"), q, limit(c.req.query("limit"), 100));
    return c.json({ ...found, count: found.tenants.length });
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
