/**
 * Maps upstream URLs to gateway URLs, so callers page through results and follow references
 * without ever seeing an upstream address.
 *
 * A URL is the platform's only when it has the base's scheme, host, port and lies under its
 * path (segment-wise: `/fhir/r4` does not own `/fhir/r4admin`). One allowance: an `http:` link
 * on the default port of an `https:` base on the default port is the same server seen behind a
 * TLS terminator; it maps to the gateway, which still calls the platform over https.
 * Relative, protocol-relative (`//host/x`) and backslash-escaped links are resolved the way a
 * browser would before they are judged, so none of them slips through unrewritten.
 */
export interface LinkMapper {
  /**
   * The gateway URL for an upstream URL under the base that maps one-to-one onto a gateway
   * path, or undefined when it must not be exposed (another origin, outside the base, or a
   * path only a signed page link may carry).
   */
  toGateway(upstreamUrl: string): string | undefined;
  /**
   * Like toGateway, but an upstream URL under the base whose path does not map one-to-one
   * (e.g. `{base}/paging/%2Fx`) becomes a signed `{gatewayBase}/_page?target=<token>` link when
   * the mapper was given `mintPage`. Anything outside the base is never minted.
   */
  toGatewayLink(upstreamUrl: string): Promise<string | undefined>;
}

/** Options of createLinkMapper. */
export interface LinkMapperOptions {
  /**
   * Mints the signed `_page` target for an upstream URL under the base, e.g.
   * `(url) => pageLinks.mint(platform.key, url)` (src/fhir/page-link.ts). Without it, links
   * that need a page link are dropped.
   */
  mintPage?: (upstreamUrl: string) => Promise<string>;
}

/** Name of the gateway path that carries signed page links. */
export const pagePath = "_page";

/** A path segment a gateway route takes as it is: FHIR names, ids, `$operations`, `_history`. */
const plainSegment = /^[A-Za-z0-9\-._$]{1,64}$/;

/** Where an upstream URL stands relative to the base. */
type Placement =
  | { kind: "outside" }
  | { kind: "plain"; rest: string; search: string }
  | { kind: "page"; url: string };

/** Creates the mapper for one platform. */
export function createLinkMapper(
  upstreamBase: string,
  gatewayBase: string,
  options: LinkMapperOptions = {},
): LinkMapper {
  const base = new URL(upstreamBase.endsWith("/") ? upstreamBase : `${upstreamBase}/`);
  // The fast path of placeUrl needs a base the parser spells one way: no user info or query.
  const simple = !base.username && !base.password && !base.search && !base.hash;
  const prefix = simple ? base.href : undefined;
  const place = (upstreamUrl: string): Placement => placeUrl(upstreamUrl, base, prefix);
  const plain = (p: { rest: string; search: string }) =>
    `${gatewayBase}${p.rest ? `/${p.rest}` : ""}${p.search}`;
  return {
    toGateway(upstreamUrl) {
      const p = place(upstreamUrl);
      return p.kind === "plain" ? plain(p) : undefined;
    },
    async toGatewayLink(upstreamUrl) {
      const p = place(upstreamUrl);
      if (p.kind === "plain") return plain(p);
      if (p.kind === "outside" || !options.mintPage) return undefined;
      const token = await options.mintPage(p.url);
      return `${gatewayBase}/${pagePath}?target=${encodeURIComponent(token)}`;
    },
  };
}

/** Characters of a path under the base that the URL parser leaves exactly as they are. */
const plainRest = /^[A-Za-z0-9\-._$/]*$/;

function placeUrl(upstreamUrl: string, base: URL, prefix?: string): Placement {
  // Fast path, the same answer without a URL parse: the base's own spelling followed by plain
  // segments (no dot segments, query, escapes or whitespace the parser would change).
  if (prefix !== undefined && upstreamUrl.startsWith(prefix)) {
    const rest = upstreamUrl.slice(prefix.length);
    if (plainRest.test(rest) && isPlainRest(rest)) return { kind: "plain", rest, search: "" };
  }
  let url: URL;
  try {
    url = new URL(upstreamUrl.trim(), base);
  } catch {
    return { kind: "outside" };
  }
  if (!sameServer(url, base) || url.username || url.password) return { kind: "outside" };
  const basePath = base.pathname;
  const path = url.pathname;
  if (path !== basePath.slice(0, -1) && !path.startsWith(basePath)) return { kind: "outside" };
  const rest = path.slice(basePath.length);
  const isPlain = isPlainRest(rest);
  url.hash = "";
  return isPlain ? { kind: "plain", rest, search: url.search } : { kind: "page", url: url.href };
}

/** True when every segment of `rest` is plain (a gateway route takes it as it is). */
function isPlainRest(rest: string): boolean {
  const segments = rest === "" ? [] : rest.split("/");
  return segments.every((s) => plainSegment.test(s) && !/^\.+$/.test(s)) &&
    segments[0] !== pagePath;
}

/** Same scheme, host and port; or http on :80 for an https base on :443 (TLS terminator). */
function sameServer(url: URL, base: URL): boolean {
  if (url.hostname !== base.hostname) return false;
  if (url.protocol === base.protocol) return url.port === base.port;
  return base.protocol === "https:" && url.protocol === "http:" && base.port === "" &&
    url.port === "";
}

/** A FHIR Bundle, as far as link rewriting needs it. */
interface BundleLike {
  resourceType: "Bundle";
  link?: Array<{ relation?: string; url?: string }>;
  entry?: Array<{
    fullUrl?: string;
    response?: { location?: string };
    resource?: unknown;
  }>;
}

/** True when `value` is a Bundle. */
export function isBundle(value: unknown): value is BundleLike {
  return typeof value === "object" && value !== null &&
    (value as { resourceType?: unknown }).resourceType === "Bundle";
}

/**
 * Rewrites a Bundle's links, fullUrls and response locations in place (nested Bundles too);
 * returns it. What cannot be exposed is removed: a link or fullUrl elsewhere, a location
 * elsewhere. `urn:` fullUrls stay. Links that need a signed page link are dropped here; use
 * rewriteBundleWithPages to mint them.
 */
export function rewriteBundle<T extends BundleLike>(bundle: T, mapper: LinkMapper): T {
  return rewriteWith(bundle, (url) => mapper.toGateway(url));
}

/**
 * rewriteBundle, but `Bundle.link` URLs under the base that do not map one-to-one become
 * signed page links (the mapper's `mintPage`). Minting is async, so the links are minted first
 * and the rewrite itself stays synchronous.
 */
export async function rewriteBundleWithPages<T extends BundleLike>(
  bundle: T,
  mapper: LinkMapper,
): Promise<T> {
  const minted = new Map<string, string | undefined>();
  for (const url of bundleLinkUrls(bundle)) {
    if (!minted.has(url)) minted.set(url, await mapper.toGatewayLink(url));
  }
  return rewriteWith(bundle, (url) => minted.has(url) ? minted.get(url) : mapper.toGateway(url));
}

function* bundleLinkUrls(bundle: BundleLike): Generator<string> {
  // Malformed lists and entries (`"link": {}`, `"entry": [null]`) are skipped, as rewriteWith does.
  for (const l of Array.isArray(bundle.link) ? bundle.link : []) {
    if (typeof l?.url === "string") yield l.url;
  }
  for (const e of Array.isArray(bundle.entry) ? bundle.entry : []) {
    if (isBundle(e?.resource)) yield* bundleLinkUrls(e.resource);
  }
}

function rewriteWith<T extends BundleLike>(bundle: T, map: (url: string) => string | undefined): T {
  if (Array.isArray(bundle.link)) {
    bundle.link = bundle.link.flatMap((l) => {
      if (typeof l?.url !== "string") return [l];
      const url = map(l.url);
      return url ? [{ ...l, url }] : [];
    });
  }
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) {
    if (!entry || typeof entry !== "object") continue;
    if (typeof entry.fullUrl === "string" && !/^\s*urn:/i.test(entry.fullUrl)) {
      const url = map(entry.fullUrl);
      if (url) entry.fullUrl = url;
      else delete entry.fullUrl;
    }
    const response = entry.response;
    if (response && typeof response.location === "string") {
      const url = map(response.location);
      if (url) response.location = url;
      else delete response.location;
    }
    if (isBundle(entry.resource)) rewriteWith(entry.resource, map);
  }
  return bundle;
}
