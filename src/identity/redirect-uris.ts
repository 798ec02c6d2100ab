import { isLoopbackHost } from "./_loopback.ts";
import type { ClientRecord } from "./clients.ts";

/** Schemes a redirect may never use, even as an app's own scheme. */
const refusedSchemes = new Set([
  "javascript:",
  "data:",
  "file:",
  "vbscript:",
  "blob:",
  "about:",
  "ws:",
  "wss:",
  "ftp:",
]);

/** True when `uri` may be a redirect target: https, http on loopback, or an app's own scheme. */
export function isAcceptableRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.hash || refusedSchemes.has(url.protocol)) return false;
  if (url.protocol === "http:") return isLoopbackHost(url.hostname);
  return url.protocol === "https:" || /^[a-z][a-z0-9+.-]*:$/.test(url.protocol);
}

/**
 * True when `given` is one of the client's redirect URIs: exact, except that a loopback http
 * redirect may use any port (native apps pick a free port; RFC 8252 section 7.3).
 */
export function matchesRedirect(client: ClientRecord, given: string): boolean {
  if (client.redirect_uris.includes(given)) return true;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" || !isLoopbackHost(url.hostname)) return false;
  return client.redirect_uris.some((r) => {
    const reg = new URL(r);
    return reg.protocol === "http:" && reg.hostname === url.hostname &&
      reg.pathname === url.pathname && reg.search === url.search;
  });
}
