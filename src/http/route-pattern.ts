import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * The route pattern a request matched (`/api/fhir/:platform/*`), never its raw path, which
 * holds resource ids. Middleware take `(c, next)`; the first route whose handler does not
 * is the one that serves the request. `(none)` when no route matched (a 404).
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  const current = routes[c.req.routeIndex];
  if (current && current.handler.length < 2) return current.path;
  return routes.find((r) => r.handler.length < 2)?.path ?? "(none)";
}

/** Where `:name` sits in each pattern seen (patterns are the app's routes: a bounded set). */
const segmentIndexes = new Map<string, number>();

/** The raw value of the `:name` segment of `pattern` in the request's path, if it has one. */
export function patternParam(c: Context, pattern: string, name: string): string | undefined {
  const cacheKey = `${name} ${pattern}`;
  let index = segmentIndexes.get(cacheKey);
  if (index === undefined) {
    index = pattern.split("/").findIndex((s) => s === `:${name}` || s.startsWith(`:${name}{`));
    if (segmentIndexes.size < 1000) segmentIndexes.set(cacheKey, index);
  }
  if (index < 0) return undefined;
  const segment = c.req.path.split("/")[index];
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
