/**
 * Maps upstream URLs to gateway URLs and back, so callers page through results and follow
 * references without ever seeing an upstream address.
 */
export interface LinkMapper {
  /** The gateway URL for an upstream URL, or undefined when it must not be exposed. */
  toGateway(upstreamUrl: string): string | undefined;
}

/** Name of the gateway path that carries same-origin links outside the FHIR base. */
export const pagePath = "_page";

/**
 * Creates the mapper for one platform. URLs under the upstream FHIR base map one-to-one onto
 * the gateway base; other URLs on the same origin go through `{gatewayBase}/_page?target=`;
 * URLs on other origins are not exposed.
 */
export function createLinkMapper(upstreamBase: string, gatewayBase: string): LinkMapper {
  const base = new URL(upstreamBase.endsWith("/") ? upstreamBase : `${upstreamBase}/`);
  const basePath = base.pathname;
  return {
    toGateway(upstreamUrl) {
      let url: URL;
      try {
        url = new URL(upstreamUrl, base);
      } catch {
        return undefined;
      }
      // Some servers report http:// behind a TLS terminator, or the default port explicitly.
      if (url.hostname !== base.hostname) return undefined;
      const path = url.pathname;
      if (path === basePath.slice(0, -1) || path.startsWith(basePath)) {
        const rest = path.slice(basePath.length);
        return `${gatewayBase}${rest ? `/${rest}` : ""}${url.search}`;
      }
      return `${gatewayBase}/${pagePath}?target=${encodeURIComponent(path + url.search)}`;
    },
  };
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

/** Rewrites a Bundle's links, fullUrls and response locations in place; returns it. */
export function rewriteBundle<T extends BundleLike>(bundle: T, mapper: LinkMapper): T {
  if (bundle.link) {
    bundle.link = bundle.link.flatMap((l) => {
      if (!l.url) return [l];
      const url = mapper.toGateway(l.url);
      return url ? [{ ...l, url }] : [];
    });
  }
  for (const entry of bundle.entry ?? []) {
    if (entry.fullUrl && /^https?:/.test(entry.fullUrl)) {
      const url = mapper.toGateway(entry.fullUrl);
      if (url) entry.fullUrl = url;
      else delete entry.fullUrl;
    }
    const loc = entry.response?.location;
    if (loc && /^https?:/.test(loc)) {
      const url = mapper.toGateway(loc);
      if (url) entry.response!.location = url;
    }
    if (isBundle(entry.resource)) rewriteBundle(entry.resource, mapper);
  }
  return bundle;
}
