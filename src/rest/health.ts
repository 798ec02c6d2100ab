import { Hono } from "hono";
import type { StoreHealth } from "../store/types.ts";

/** Facts /health reports. */
export interface HealthInfo {
  version: string;
  runtime: string;
  platforms: number;
  plugins: number;
  store: string;
}

/** What /health checks beyond the process being up. */
export interface HealthChecks {
  /** Pings the session store (KeyValueStore.ping); absent when the gateway has none. */
  store?: () => Promise<StoreHealth>;
}

/**
 * `GET /health` (and `/health/ready`): readiness for a load balancer. 200 with a few facts an
 * operator checks first while the session store answers; 503 with `checks.store.status`
 * "down" while it does not (logins and sessions cannot work then). `GET /health/live`:
 * liveness, 200 whenever the process serves requests, whatever the store's state.
 * Never names the store's address or its error text (the log has those).
 */
export function healthRoutes(
  info: () => HealthInfo | Promise<HealthInfo>,
  checks: HealthChecks = {},
): Hono {
  const app = new Hono();
  const ready = async () => {
    const facts = await info();
    const store = await checks.store?.();
    const up = store?.ok ?? true;
    const body = {
      status: up ? "ok" : "unavailable",
      ...facts,
      checks: store
        ? { store: { status: up ? "up" : "down", latency_ms: Math.round(store.latencyMs) } }
        : {},
    };
    return { body, status: up ? 200 as const : 503 as const };
  };
  for (const path of ["/", "/ready"]) {
    app.get(path, async (c) => {
      const { body, status } = await ready();
      if (status === 503) c.header("retry-after", "5");
      return c.json(body, status);
    });
  }
  app.get("/live", (c) => c.json({ status: "ok" }));
  return app;
}
