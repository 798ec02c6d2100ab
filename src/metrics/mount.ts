import type { Hono, MiddlewareHandler } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import type { GatewayObserver } from "../core/observer.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { requestMetrics } from "./middleware.ts";
import { meteredAudit, metricsObserver } from "./observers.ts";
import { metricsRoute } from "./route.ts";
import { metricsSettings } from "./settings.ts";

/** What the app wires when metrics are on. */
export interface AppMetrics {
  metrics: Metrics;
  /** Pass to the core (createGateway's observers). */
  observer: GatewayObserver;
  /** Wraps the audit log so logins, refreshes and refusals are counted as they are audited. */
  audit(audit: AuditLog): AuditLog;
  /** The request counter: `app.use` it before any other middleware. */
  middleware: MiddlewareHandler;
  /** GET /metrics: `app.route("/metrics", ...)` after the edge middleware. */
  route: Hono;
}

/**
 * Metrics for one app from its environment (Config.env), or undefined when
 * FHIR_GATEWAY_METRICS=off. `platformOf` maps a `:platform` path value to a catalog id.
 */
export function createAppMetrics(
  env: Readonly<Record<string, string | undefined>>,
  platformOf: (ref: string) => string | undefined,
): AppMetrics | undefined {
  const settings = metricsSettings(env);
  if (!settings.enabled) return undefined;
  const metrics = createMetrics({ defaults: settings.processMetrics });
  return {
    metrics,
    observer: metricsObserver(metrics),
    audit: (audit) => meteredAudit(audit, metrics),
    middleware: requestMetrics({ metrics, platformOf }),
    route: metricsRoute(metrics, settings.token),
  };
}
