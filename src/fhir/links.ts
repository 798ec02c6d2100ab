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

/**
 * A path under the base whose every segment a gateway route takes as it is (FHIR names, ids,
 * `$operations`, `_history`: 1-64 of `A-Za-z0-9-._$`, not all dots), or no path at all. One
 * expression, as it runs for every fullUrl of a Bundle.
 */
const plainPath =
  /^(?:(?!\.+(?:\/|$))[A-Za-z0-9\-._$]{1,64}(?:\/(?!\.+(?:\/|$))[A-Za-z0-9\-._$]{1,64})*)?$/;

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

function placeUrl(upstreamUrl: string, base: URL, prefix?: string): Placement {
  // Fast path, the same answer without a URL parse: the base's own spelling followed by plain
  // segments (no dot segments, query, escapes or whitespace the parser would change).
  if (prefix !== undefined && upstreamUrl.startsWith(prefix)) {
    const rest = upstreamUrl.slice(prefix.length);
    if (isPlainRest(rest)) return { kind: "plain", rest, search: "" };
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
  return plainPath.test(rest) &&
    !(rest.startsWith(pagePath) &&
      (rest.length === pagePath.length || rest[pagePath.length] === "/"));
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

/** Maps one upstream URL to the gateway, or undefined when it must not be exposed. */
export type MapUrl = (upstreamUrl: string) => string | undefined;

/**
 * The two maps of one Bundle rewrite: `link` for `Bundle.link` URLs (which may be signed page
 * links, minted beforehand), `other` for fullUrls and response locations (never page links).
 */
export interface BundleUrlMaps {
  link: MapUrl;
  other: MapUrl;
}

/**
 * Rewrites a Bundle's links, fullUrls and response locations in place (nested Bundles too);
 * returns it. What cannot be exposed is removed: a link or fullUrl elsewhere, a location
 * elsewhere. `urn:` fullUrls stay. Links that need a signed page link are dropped here; use
 * rewriteBundleWithPages to mint them.
 */
export function rewriteBundle<T extends BundleLike>(bundle: T, mapper: LinkMapper): T {
  const map: MapUrl = (url) => mapper.toGateway(url);
  return rewriteWith(bundle, { link: map, other: map });
}

/**
 * rewriteBundle, but `Bundle.link` URLs under the base that do not map one-to-one become
 * signed page links (the mapper's `mintPage`). Minting is async, so the links are minted first
 * and the rewrite itself stays synchronous. fullUrls and locations never become page links.
 */
export async function rewriteBundleWithPages<T extends BundleLike>(
  bundle: T,
  mapper: LinkMapper,
): Promise<T> {
  const minter = createLinkMinter(mapper);
  await minter.mint(bundleLinkUrls(bundle));
  return rewriteWith(bundle, minter.maps);
}

/** Mints the page links of one Bundle rewrite, each distinct URL once. */
export interface LinkMinter {
  /** Maps (minting where needed) every URL not seen yet; URLs are taken in order. */
  mint(linkUrls: Iterable<string>): Promise<void>;
  /** `link` answers minted URLs (call mint first), `other` is the mapper's toGateway. */
  readonly maps: BundleUrlMaps;
}

/** Creates the minter of one Bundle rewrite (the parsed one, or a streamed one). */
export function createLinkMinter(mapper: LinkMapper): LinkMinter {
  const minted = new Map<string, string | undefined>();
  return {
    async mint(linkUrls) {
      for (const url of linkUrls) {
        if (!minted.has(url)) minted.set(url, await mapper.toGatewayLink(url));
      }
    },
    maps: {
      link: (url) => minted.has(url) ? minted.get(url) : mapper.toGateway(url),
      other: (url) => mapper.toGateway(url),
    },
  };
}

/** The `Bundle.link` URLs of a Bundle and of the Bundles nested in its entries, in order. */
function* bundleLinkUrls(bundle: BundleLike): Generator<string> {
  yield* linkListUrls(bundle.link);
  for (const e of Array.isArray(bundle.entry) ? bundle.entry : []) yield* entryLinkUrls(e);
}

/** The URLs of a `Bundle.link` value; malformed lists and links (`"link": {}`) are skipped. */
export function* linkListUrls(links: unknown): Generator<string> {
  for (const l of Array.isArray(links) ? links : []) {
    if (typeof l?.url === "string") yield l.url;
  }
}

/** The `Bundle.link` URLs of the Bundle an entry holds (none for `null`, `3`, a Patient...). */
export function* entryLinkUrls(entry: unknown): Generator<string> {
  const resource = (entry as { resource?: unknown } | null)?.resource;
  if (isBundle(resource)) yield* bundleLinkUrls(resource);
}

/**
 * A `Bundle.link` value rewritten: links whose URL maps get the gateway URL, links whose URL
 * does not are dropped, anything else (a link without a string URL, a value that is not a
 * list) stays as it is.
 */
export function rewriteLinkList(links: unknown, map: MapUrl): unknown {
  if (!Array.isArray(links)) return links;
  return links.flatMap((l) => {
    if (typeof l?.url !== "string") return [l];
    const url = map(l.url);
    return url ? [{ ...l, url }] : [];
  });
}

/**
 * What becomes of an entry's fullUrl: a `urn:` one stays as it is, any other is mapped
 * (undefined: it is deleted).
 */
export function mapFullUrl(fullUrl: string, map: MapUrl): string | undefined {
  return /^\s*urn:/i.test(fullUrl) ? fullUrl : map(fullUrl);
}

/** Rewrites one `Bundle.entry` item in place (and the Bundle it holds); returns it. */
export function rewriteEntry(entry: unknown, maps: BundleUrlMaps): unknown {
  if (!entry || typeof entry !== "object") return entry;
  const e = entry as NonNullable<BundleLike["entry"]>[number];
  if (typeof e.fullUrl === "string") {
    const url = mapFullUrl(e.fullUrl, maps.other);
    if (url) e.fullUrl = url;
    else delete e.fullUrl;
  }
  const response = e.response;
  if (response && typeof response.location === "string") {
    const url = maps.other(response.location);
    if (url) response.location = url;
    else delete response.location;
  }
  if (isBundle(e.resource)) rewriteWith(e.resource, maps);
  return entry;
}

function rewriteWith<T extends BundleLike>(bundle: T, maps: BundleUrlMaps): T {
  if (Array.isArray(bundle.link)) {
    bundle.link = rewriteLinkList(bundle.link, maps.link) as BundleLike["link"];
  }
  for (const entry of Array.isArray(bundle.entry) ? bundle.entry : []) rewriteEntry(entry, maps);
  return bundle;
}
