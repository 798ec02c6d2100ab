import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";
import { patternParam, routePattern } from "./route-pattern.ts";

/** Options of accessLog(). */
export interface AccessLogOptions {
  log: Logger;
  /** A monotonic clock in milliseconds (default performance.now); tests inject one. */
  now?: () => number;
  /**
   * The platform id for a `:platform` value of the path, or undefined when it names none:
   * only ids the catalog knows are written, never whatever a caller put in the URL.
   */
  platformOf?: (ref: string) => string | undefined;
}

/** The status logged for a request whose caller went away before the answer (nginx's 499). */
export const clientClosedStatus = 499;

/**
 * One line per request at info: request id, method, route pattern (not the path, which
 * holds ids), platform, status and duration. No query string, header or body is ever
 * written: query values can hold PHI. A caller that disconnected is logged as status 499
 * "client closed", not as whatever error its abort caused downstream. Duration runs until
 * the answer's headers are ready; a streamed body may take longer.
 */
export function accessLog(options: AccessLogOptions): MiddlewareHandler {
  const now = options.now ?? (() => performance.now());
  return async function accessLog(c, next) {
    const started = now();
    // Kept now: later middleware may replace c.req.raw (the body limit does).
    const signal = c.req.raw.signal;
    let threw = true;
    try {
      await next();
      threw = false;
    } finally {
      const route = routePattern(c);
      const ref = patternParam(c, route, "platform");
      const closed = signal.aborted;
      options.log.info(closed ? "client closed" : "request", {
        request_id: c.get("requestId"),
        method: c.req.method,
        route,
        platform: ref === undefined ? undefined : options.platformOf?.(ref) ?? "(unknown)",
        status: closed ? clientClosedStatus : threw ? 500 : c.res.status,
        duration_ms: Math.round((now() - started) * 10) / 10,
      });
    }
  };
}
