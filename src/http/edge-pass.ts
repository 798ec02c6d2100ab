import type { Context, ErrorHandler, MiddlewareHandler, Next } from "hono";
import type { Cors } from "./cors.ts";
import type { RequestId } from "./request-id.ts";
import { setHeader } from "./request-id.ts";
import { patternParam, routePattern } from "./route-pattern.ts";

/** A platform as the edge reports it: the catalog's id and canonical key. */
export interface EdgePlatform {
  id: string;
  key: string;
}

/** What the edge measured of one answered request, derived once for every listener. */
export interface AnsweredRequest {
  /** The route pattern served (`/api/fhir/:platform/*`), never the raw path; `(none)` for 404. */
  route: string;
  /**
   * The platform the route's `:platform` segment names: undefined when the route has no such
   * segment, null when the catalog knows no such platform.
   */
  platform: EdgePlatform | null | undefined;
  /** The answer's status; 500 when the chain threw past the error handler. */
  status: number;
  /** The caller disconnected before the answer was ready. */
  closed: boolean;
  /** Milliseconds from the start of the pass until the answer's headers were ready. */
  durationMs: number;
}

/** Options of edgePass(). */
export interface EdgePassOptions {
  requestId: RequestId;
  cors: Cors;
  securityHeaders: (c: Context) => void;
  /** The app's error handler: errors thrown inside the pass are answered as Hono would. */
  onError: ErrorHandler;
  /** The catalog's platform for a `:platform` path value, undefined when it names none. */
  platformOf: (ref: string) => EdgePlatform | undefined;
  /** Told about every answered request (access log, metrics), in order. */
  listeners: ReadonlyArray<(c: Context, answered: AnsweredRequest) => void>;
  /** Middleware run inside the pass, in order, before the routes (rate limits, body limit). */
  inner?: readonly MiddlewareHandler[];
  /** A monotonic clock in milliseconds (default performance.now); tests inject one. */
  now?: () => number;
}

/**
 * The HTTP edge as one middleware: it gives the request its id, answers or refuses a CORS
 * preflight, runs `inner` and the routes, then sets the security, CORS and X-Request-Id
 * headers on the answer, and tells each listener once, with the route pattern, platform,
 * status and duration derived once and the request timed once. Errors thrown inside it
 * (a refused preflight, a rate limit, a body over the limit) go through `onError` here, so
 * their answers get the same headers; a refused preflight gets no CORS headers.
 */
export function edgePass(options: EdgePassOptions): MiddlewareHandler {
  const now = options.now ?? (() => performance.now());
  const { requestId, cors, listeners, onError } = options;
  const inner = options.inner ?? [];
  const run = (c: Context, next: Next, i: number): Promise<void> => {
    const middleware = inner[i];
    if (!middleware) return next();
    return middleware(c, () => run(c, next, i + 1)) as Promise<void>;
  };
  return async function edge(c, next) {
    const started = now();
    // Kept now: inner middleware may replace c.req.raw (the body limit does).
    const signal = c.req.raw.signal;
    const id = requestId.assign(c);
    const origin = c.req.header("origin");
    // Past the preflight step: answers of the routes (and of inner refusals) get CORS headers.
    let served = false;
    let threw = true;
    try {
      try {
        const answer = cors.preflight(c, origin);
        if (answer) c.res = answer;
        else {
          served = true;
          await run(c, next, 0);
        }
      } catch (err) {
        if (!(err instanceof Error)) throw err;
        c.error = err;
        c.res = await onError(err, c);
      }
      if (served) cors.decorate(c, origin);
      options.securityHeaders(c);
      setHeader(c, requestId.header, id);
      threw = false;
    } finally {
      if (listeners.length > 0) {
        const route = routePattern(c);
        const ref = patternParam(c, route, "platform");
        const answered: AnsweredRequest = {
          route,
          platform: ref === undefined ? undefined : options.platformOf(ref) ?? null,
          status: threw ? 500 : c.res.status,
          closed: signal.aborted,
          durationMs: now() - started,
        };
        for (const listener of listeners) listener(c, answered);
      }
    }
  };
}
