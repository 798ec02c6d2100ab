import type { MiddlewareHandler } from "hono";
import { patternParam, routePattern } from "../http/route-pattern.ts";
import type { Metrics } from "./metrics.ts";

/** Options of requestMetrics(). */
export interface RequestMetricsOptions {
  metrics: Metrics;
  /** The catalog's id for a `:platform` path value; undefined when it names no platform. */
  platformOf: (ref: string) => string | undefined;
  /** A monotonic clock in milliseconds (default performance.now); tests inject one. */
  now?: () => number;
}

/**
 * Counts every request by route pattern (never the raw path, which holds ids), platform id,
 * method and status, times it, and counts MCP sessions: a POST to /mcp without a session id
 * whose answer names one opened a session; a successful DELETE ended one.
 */
export function requestMetrics(options: RequestMetricsOptions): MiddlewareHandler {
  const now = options.now ?? (() => performance.now());
  const { metrics } = options;
  return async function requestMetrics(c, next) {
    const started = now();
    let threw = true;
    try {
      await next();
      threw = false;
    } finally {
      const route = routePattern(c);
      const ref = patternParam(c, route, "platform");
      const platform = ref === undefined ? "" : options.platformOf(ref) ?? "(unknown)";
      const status = threw ? 500 : c.res.status;
      metrics.observeRequest(route, platform, c.req.method, status, (now() - started) / 1000);
      if (c.req.path === "/mcp" && status < 300) {
        const method = c.req.method;
        if (
          method === "POST" && !c.req.header("mcp-session-id") &&
          c.res.headers.has("mcp-session-id")
        ) {
          metrics.observeMcpSession("opened");
        } else if (method === "DELETE") metrics.observeMcpSession("ended");
      }
    }
  };
}
