import type { Context, Hono } from "hono";
import type { AuditLog } from "../audit/audit-log.ts";
import type { GatewayObserver } from "../core/observer.ts";
import type { AnsweredRequest } from "../http/edge-pass.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { requestMetrics } from "./request-metrics.ts";
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
  /** The request counter: a listener of the edge pass (createEdge's `listeners`). */
  onAnswered: (c: Context, answered: AnsweredRequest) => void;
  /** GET /metrics: `app.route("/metrics", ...)` after the edge middleware. */
  route: Hono;
}

/**
 * Metrics for one app from its environment (Config.env), or undefined when
 * FHIR_GATEWAY_METRICS=off.
 */
export function createAppMetrics(
  env: Readonly<Record<string, string | undefined>>,
): AppMetrics | undefined {
  const settings = metricsSettings(env);
  if (!settings.enabled) return undefined;
  const metrics = createMetrics({ defaults: settings.processMetrics });
  return {
    metrics,
    observer: metricsObserver(metrics),
    audit: (audit) => meteredAudit(audit, metrics),
    onAnswered: requestMetrics(metrics),
    route: metricsRoute(metrics, settings.token),
  };
}
