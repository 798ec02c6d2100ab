import type { Context } from "hono";
import type { AnsweredRequest } from "../http/edge-pass.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Counts every answered request (told by the edge pass, which times it and derives the route
 * once) by route pattern (never the raw path, which holds ids), platform id, method and
 * status, times it, and counts MCP sessions: a POST to /mcp without a session id whose
 * answer names one opened a session; a successful DELETE ended one.
 */
export function requestMetrics(metrics: Metrics): (c: Context, answered: AnsweredRequest) => void {
  return function requestMetrics(c, a) {
    const platform = a.platform === undefined ? "" : a.platform?.id ?? "(unknown)";
    const method = c.req.method;
    metrics.observeRequest(a.route, platform, method, a.status, a.durationMs / 1000);
    if (a.status < 300 && c.req.path === "/mcp") {
      if (
        method === "POST" && !c.req.header("mcp-session-id") &&
        c.res.headers.has("mcp-session-id")
      ) {
        metrics.observeMcpSession("opened");
      } else if (method === "DELETE") metrics.observeMcpSession("ended");
    }
  };
}
