import type { Context } from "hono";
import { GatewayError } from "../errors.ts";
import { setHeader } from "./request-id.ts";

/** Options of createCors(). */
export interface CorsOptions {
  /** Origins (`scheme://host[:port]`) whose pages may call the gateway; empty: none. */
  origins: readonly string[];
  /** Called when a preflight from an origin outside the list is refused (audit). */
  onRefused?: (c: Context, origin: string) => void;
  /** How long a browser may cache a preflight answer, in seconds (default 600). */
  maxAgeSeconds?: number;
}

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
/** Request headers a cross-origin page may send (credentials travel as X-Auth-Handle). */
const allowedRequestHeaders = [
  "accept",
  "content-type",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "prefer",
  "x-auth-handle",
  "x-request-id",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
];
const exposedHeaders = [
  "content-location",
  "etag",
  "last-modified",
  "location",
  "retry-after",
  "x-request-id",
  "mcp-session-id",
];

/** CORS as the edge pass applies it. */
export interface Cors {
  /**
   * The answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method), or
   * undefined when the request is none. Throws the 403 for an origin outside the list.
   */
  preflight(c: Context, origin: string | undefined): Response | undefined;
  /** Adds Vary and, for a listed origin, the allow/expose headers to an answer. */
  decorate(c: Context, origin: string | undefined): void;
}

/**
 * CORS, closed by default: without configured origins no answer carries an
 * Access-Control-Allow-Origin, and every preflight is refused (403). A listed origin gets
 * its preflight answered (204 with the allowed methods and headers) and its answers readable.
 * Credentials (cookies) are never allowed cross-origin; such callers use X-Auth-Handle.
 * A request without Origin costs one header read (and a Vary when origins are configured).
 */
export function createCors(options: CorsOptions): Cors {
  const allowed = new Set(options.origins.map((o) => o.toLowerCase().replace(/\/+$/, "")));
  const maxAge = String(options.maxAgeSeconds ?? 600);
  const exposed = exposedHeaders.join(", ");
  return {
    preflight(c, origin) {
      if (origin === undefined || c.req.method !== "OPTIONS") return undefined;
      if (c.req.header("access-control-request-method") === undefined) return undefined;
      if (!allowed.has(origin.toLowerCase())) {
        options.onRefused?.(c, origin);
        throw new GatewayError(
          "forbidden",
          `Origin "${origin.slice(0, 100)}" may not call the gateway from a browser.`,
          { hint: "An operator can allow it in FHIR_GATEWAY_CORS_ORIGINS." },
        );
      }
      const requested = (c.req.header("access-control-request-headers") ?? "")
        .split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
      const headers = new Headers({
        "access-control-allow-origin": origin,
        "access-control-allow-methods": methods.join(", "),
        "access-control-max-age": maxAge,
        vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      });
      const granted = requested.filter((h) => allowedRequestHeaders.includes(h));
      if (granted.length > 0) headers.set("access-control-allow-headers", granted.join(", "));
      return new Response(null, { status: 204, headers });
    },
    decorate(c, origin) {
      if (allowed.size === 0) return;
      setHeader(c, "vary", mergeVary(c.res.headers.get("vary")));
      if (origin === undefined || !allowed.has(origin.toLowerCase())) return;
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.set("access-control-expose-headers", exposed);
    },
  };
}

function mergeVary(existing: string | null): string {
  if (!existing) return "Origin";
  return /(^|,)\s*origin\s*(,|$)/i.test(existing) ? existing : `${existing}, Origin`;
}
