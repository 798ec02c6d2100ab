import type { Context } from "hono";
import type { Logger } from "../log.ts";
import type { AnsweredRequest } from "./edge-pass.ts";

/** The status logged for a request whose caller went away before the answer (nginx's 499). */
export const clientClosedStatus = 499;

/**
 * One line per request at info: request id, method, route pattern (not the path, which
 * holds ids), platform, status and duration. No query string, header or body is ever
 * written: query values can hold PHI. A caller that disconnected is logged as status 499
 * "client closed", not as whatever error its abort caused downstream. Duration runs until
 * the answer's headers are ready; a streamed body may take longer. Undefined when the log
 * drops info lines: then the edge builds no line at all.
 */
export function createAccessLog(
  log: Logger,
): ((c: Context, answered: AnsweredRequest) => void) | undefined {
  if (!log.enabled("info")) return undefined;
  return function accessLog(c, a) {
    log.info(a.closed ? "client closed" : "request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      route: a.route,
      // Only keys the catalog knows are written, never whatever a caller put in the URL.
      platform: a.platform === undefined ? undefined : a.platform?.key ?? "(unknown)",
      status: a.closed ? clientClosedStatus : a.status,
      duration_ms: Math.round(a.durationMs * 10) / 10,
    });
  };
}
