import type { Context } from "hono";

/** Options of createSecurityHeaders(). */
export interface SecurityHeadersOptions {
  /** Send Strict-Transport-Security (only when the public URL is https). */
  hsts?: boolean;
  /** HSTS max-age in seconds (default one year). */
  hstsMaxAgeSeconds?: number;
}

/** The CSP of every answer that is not an HTML page: nothing may load, frame or submit. */
export const apiContentSecurityPolicy =
  "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const htmlType = /^\s*text\/html\b/i;

/**
 * Sets the headers every answer carries, API answers and patient reads included: no MIME
 * sniffing, no caching anywhere (an upstream's own Cache-Control is replaced: the answer may
 * hold health data), no referrer, no framing, and a deny-all CSP on answers that are not
 * HTML (pages set their own). HSTS when the gateway is reached over https. The edge pass
 * calls it on each answer.
 */
export function createSecurityHeaders(options: SecurityHeadersOptions = {}): (c: Context) => void {
  const hsts = options.hsts ? `max-age=${options.hstsMaxAgeSeconds ?? 31_536_000}` : undefined;
  return function securityHeaders(c) {
    let headers = c.res.headers;
    try {
      headers.set("x-content-type-options", "nosniff");
    } catch {
      // A response straight from fetch() has immutable headers: answer a copy.
      c.res = new Response(c.res.body, c.res);
      headers = c.res.headers;
      headers.set("x-content-type-options", "nosniff");
    }
    headers.set("cache-control", "no-store");
    if (!headers.has("referrer-policy")) headers.set("referrer-policy", "no-referrer");
    if (!headers.has("x-frame-options")) headers.set("x-frame-options", "DENY");
    const type = headers.get("content-type");
    if (type === null || !htmlType.test(type) || !headers.has("content-security-policy")) {
      headers.set("content-security-policy", apiContentSecurityPolicy);
    }
    if (hsts) headers.set("strict-transport-security", hsts);
  };
}
