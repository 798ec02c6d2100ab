import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/** How an MCP session changed: opened by `initialize`, ended by DELETE. */
export type McpSessionEvent = "opened" | "ended";

/**
 * What the gateway reports to Prometheus. Every label is a route pattern, a platform id
 * (never a tenant, a resource id or a person), a status or a short code.
 */
export interface Metrics {
  /** One answered HTTP request. `platform` is "" when the route names none. */
  observeRequest(
    route: string,
    platform: string,
    method: string,
    status: number,
    seconds: number,
  ): void;
  /** One upstream exchange; status 0 when the platform could not be reached. */
  observeUpstream(platform: string, interaction: string, status: number, seconds: number): void;
  /** A SMART login started or completed. */
  observeLogin(platform: string, stage: "start" | "complete", outcome: "success" | "failure"): void;
  /** A token refresh against the platform. */
  observeRefresh(platform: string, outcome: "success" | "failure"): void;
  /** A login ended (logout, expiry, revocation). */
  observeRevocation(platform: string, outcome: "success" | "failure"): void;
  observeMcpSession(event: McpSessionEvent): void;
  /** A request refused before it was served (rate limit, origin, body size, forged handle). */
  observeRefusal(reason: string, bucket: string): void;
  /** The Prometheus text exposition of everything counted so far. */
  render(): Promise<{ contentType: string; body: string }>;
}

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const codePattern = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Metrics in a registry of their own (no global state, so two apps in one process, as in
 * tests, do not share counters). `defaults` adds the runtime's process metrics, which are
 * the process's own and so are shared.
 */
export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registers = [new Registry()];
  const [registry] = registers as [Registry];
  const requests = new Counter({
    name: "fhir_gateway_http_requests_total",
    help: "HTTP requests answered, by route pattern, platform id, method and status.",
    labelNames: ["route", "platform", "method", "status"],
    registers,
  });
  const requestSeconds = new Histogram({
    name: "fhir_gateway_http_request_duration_seconds",
    help: "Time until the answer's headers were ready, by route pattern and platform id.",
    labelNames: ["route", "platform"],
    buckets: durationBuckets,
    registers,
  });
  const upstreamSeconds = new Histogram({
    name: "fhir_gateway_upstream_duration_seconds",
    help: "Upstream FHIR exchanges by platform id, interaction and status (0: unreachable).",
    labelNames: ["platform", "interaction", "status"],
    buckets: durationBuckets,
    registers,
  });
  const logins = new Counter({
    name: "fhir_gateway_logins_total",
    help: "SMART logins started and completed, by platform id and outcome.",
    labelNames: ["platform", "stage", "outcome"],
    registers,
  });
  const refreshes = new Counter({
    name: "fhir_gateway_token_refreshes_total",
    help: "Token refreshes against platforms, by platform id and outcome.",
    labelNames: ["platform", "outcome"],
    registers,
  });
  const revocations = new Counter({
    name: "fhir_gateway_logouts_total",
    help: "Platform logins ended (logout, expiry, revocation), by platform id and outcome.",
    labelNames: ["platform", "outcome"],
    registers,
  });
  const mcpSessions = new Counter({
    name: "fhir_gateway_mcp_sessions_total",
    help: "MCP sessions opened (initialize) and ended (DELETE).",
    labelNames: ["event"],
    registers,
  });
  const refusals = new Counter({
    name: "fhir_gateway_refusals_total",
    help:
      "Requests refused before being served (the first per client and window), by reason and bucket.",
    labelNames: ["reason", "bucket"],
    registers,
  });
  return {
    observeRequest(route, platform, method, status, seconds) {
      const p = platformLabel(platform);
      requests.inc({ route, platform: p, method: methodLabel(method), status: String(status) });
      requestSeconds.observe({ route, platform: p }, seconds);
    },
    observeUpstream(platform, interaction, status, seconds) {
      upstreamSeconds.observe({
        platform: platformLabel(platform),
        interaction: code(interaction),
        status: String(status),
      }, seconds);
    },
    observeLogin(platform, stage, outcome) {
      logins.inc({ platform: platformLabel(platform), stage, outcome });
    },
    observeRefresh(platform, outcome) {
      refreshes.inc({ platform: platformLabel(platform), outcome });
    },
    observeRevocation(platform, outcome) {
      revocations.inc({ platform: platformLabel(platform), outcome });
    },
    observeMcpSession(event) {
      mcpSessions.inc({ event });
    },
    observeRefusal(reason, bucket) {
      refusals.inc({ reason: code(reason), bucket: bucket ? code(bucket) : "" });
    },
    async render() {
      const own = await registry.metrics();
      const process = options.defaults ? await processRegistry().metrics() : "";
      return { contentType: registry.contentType, body: own + process };
    },
  };
}

let processMetrics: Registry | undefined;
/** The runtime's process metrics (CPU, memory, event loop), collected once per process. */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: "fhir_gateway_" });
  }
  return processMetrics;
}

/**
 * The platform id of a platform key: `epic:some-hospital` counts as `epic`, so tenants
 * (tens of thousands) never become label values.
 */
export function platformLabel(platform: string): string {
  if (platform === "(unknown)") return platform;
  const id = platform.split(":")[0] ?? "";
  return /^[a-z0-9][a-z0-9._-]{0,63}$/i.test(id) ? id : id === "" ? "" : "(invalid)";
}

function code(value: string): string {
  return codePattern.test(value) ? value : "other";
}

const methods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
function methodLabel(method: string): string {
  return methods.has(method) ? method : "other";
}
