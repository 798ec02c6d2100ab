import { GatewayError } from "../errors.ts";

/**
 * Signed `_page?target=` tokens. A page link is one the gateway itself issued for an upstream
 * URL under a platform's FHIR base: the token carries the URL's path and query (never its
 * origin, so the upstream host does not reach callers) and an HMAC-SHA-256 over the platform
 * key, the upstream origin, path and query. Verifying checks the MAC, then normalizes the path
 * (percent-decoding of unreserved characters, dot segments, repeated slashes) and refuses
 * anything that is not under the platform's base path on the base's origin. A token minted for
 * one platform does not verify for another.
 */
export interface PageLinks {
  /** The `target` value for an absolute upstream URL (http or https). */
  mint(platformKey: string, upstreamUrl: string): Promise<string>;
  /**
   * The normalized upstream URL a token stands for; throws GatewayError "bad_request" when the
   * token is forged, minted for another platform, malformed, or points outside `upstreamBase`.
   */
  verify(platformKey: string, token: string, upstreamBase: string): Promise<string>;
}

/** Longest token accepted; upstream paging URLs are far shorter. */
const maxTokenLength = 8192;
const version = "p1";
const encoder = new TextEncoder();

/**
 * Creates mint/verify over HMAC keys (SHA-256, usages sign and verify). Given several, newest
 * first (`(await vault.signingKeys("page-link")).map((k) => k.key)`), it mints with the first
 * and verifies with any, so page links outlive a master key rotation.
 */
export function createPageLinks(keys: CryptoKey | readonly CryptoKey[]): PageLinks {
  const ring = Array.isArray(keys) ? [...keys] as CryptoKey[] : [keys as CryptoKey];
  const key = ring[0];
  if (!key) throw new TypeError("createPageLinks needs at least one key.");
  const mac = (platformKey: string, origin: string, pathAndQuery: string) =>
    encoder.encode([version, platformKey, origin, pathAndQuery].join("\n"));
  return {
    async mint(platformKey, upstreamUrl) {
      const url = new URL(upstreamUrl);
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new TypeError("A page link must point at an http(s) URL.");
      }
      const pathAndQuery = url.pathname + url.search;
      const sig = await crypto.subtle.sign("HMAC", key, mac(platformKey, url.origin, pathAndQuery));
      return `${version}.${toBase64Url(encoder.encode(pathAndQuery))}.${
        toBase64Url(new Uint8Array(sig))
      }`;
    },
    async verify(platformKey, token, upstreamBase) {
      const parts = typeof token === "string" && token.length <= maxTokenLength
        ? token.split(".")
        : [];
      const [v, body, sig] = parts;
      if (parts.length !== 3 || v !== version || !body || !sig) throw refused();
      const pathAndQuery = decodeUtf8(fromBase64Url(body));
      const signature = fromBase64Url(sig);
      if (pathAndQuery === undefined || !signature) throw refused();
      const base = new URL(upstreamBase.endsWith("/") ? upstreamBase : `${upstreamBase}/`);
      const data = mac(platformKey, base.origin, pathAndQuery);
      let ok = false;
      for (const k of ring) {
        if (await crypto.subtle.verify("HMAC", k, signature, data)) ok = true;
      }
      if (!ok) throw refused();
      return underBase(pathAndQuery, base);
    },
  };
}

/** A random page-link key for one process, for a gateway without a vault signing key. */
export async function randomPageLinkKey(): Promise<CryptoKey> {
  return await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256", length: 256 }, false, [
    "sign",
    "verify",
  ]);
}

/**
 * Normalizes a signed path+query and returns the absolute upstream URL, or throws when it
 * leaves the base. The normalized URL is what is sent, so what was checked is what is asked.
 */
export function underBase(pathAndQuery: string, base: URL): string {
  const q = pathAndQuery.indexOf("?");
  const rawPath = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? "" : pathAndQuery.slice(q);
  if (!rawPath.startsWith("/") || /[\\\s#]|%(2f|5c|00)/i.test(rawPath)) throw refused();
  const path = normalizePath(rawPath);
  if (path === undefined) throw refused();
  const basePath = normalizePath(base.pathname) ?? "/";
  const prefix = basePath.endsWith("/") ? basePath : `${basePath}/`;
  if (path !== prefix.slice(0, -1) && !path.startsWith(prefix)) throw refused();
  const url = new URL(base.origin);
  url.pathname = path;
  url.search = query;
  if (url.origin !== base.origin || url.pathname !== path) throw refused();
  return url.href;
}

/**
 * Decodes percent-encoded unreserved characters (so `%2e` is a dot), folds `.`/`..` segments
 * and repeated slashes; undefined for a malformed escape or a path that climbs above the root.
 */
function normalizePath(path: string): string | undefined {
  if (/%(?![0-9a-f]{2})/i.test(path)) return undefined;
  const decoded = path.replace(/%([0-9a-f]{2})/gi, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
  const out: string[] = [];
  const segments = decoded.split("/");
  for (const seg of segments) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(seg);
  }
  const trailing = decoded.endsWith("/") && out.length ? "/" : "";
  return `/${out.join("/")}${trailing}`;
}

function refused(): GatewayError {
  return new GatewayError(
    "bad_request",
    "The page link is not one this gateway issued for this platform.",
    { next: "use_returned_links" },
  );
}

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function decodeUtf8(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
