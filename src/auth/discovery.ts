import { type Platform, requiresAuth } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";
import type { UrlPurpose } from "../hooks/define-plugin.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";
import type { Logger } from "../log.ts";
import {
  fromCapabilityStatement,
  fromDocument,
  fromPlatformFile,
  type SmartEndpoints,
} from "./_endpoints.ts";

/** Where a platform's SMART endpoints came from. */
export type DiscoverySource = "smart-configuration" | "platform-file" | "capability-statement";

/** A platform's authorization server, as discovered. */
export interface SmartMetadata extends SmartEndpoints {
  source: DiscoverySource;
}

/** Finds and caches the SMART endpoints of platforms. */
export interface Discovery {
  /** The endpoints of `platform`; throws GatewayError "platform_unavailable" when none. */
  get(platform: Platform): Promise<SmartMetadata>;
}

/** Options of createDiscovery. */
export interface DiscoveryOptions {
  fetch: typeof fetch;
  /** For resolveUrl (URL templates of the platform file). */
  hooks: HookPipeline;
  log: Logger;
  now: () => number;
  /** How long a discovered document is reused (default one hour). */
  ttlMs?: number;
  timeoutMs?: number;
}

/**
 * SMART discovery: the platform file's `oauth.discovery_url` when it names one, then (the
 * order of the SMART App Launch guide) the FHIR base's `/.well-known/smart-configuration`,
 * the platform file's authorize/token URLs, and the CapabilityStatement's oauth-uris extension. Successes are cached
 * per platform for `ttlMs`; concurrent lookups share one fetch; failures are not cached.
 */
export function createDiscovery(options: DiscoveryOptions): Discovery {
  const ttlMs = options.ttlMs ?? 3600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const cache = new Map<string, { value: Promise<SmartMetadata>; until: number }>();

  const getJson = async (url: string): Promise<Record<string, unknown> | undefined> => {
    try {
      const response = await options.fetch(url, {
        headers: { accept: "application/json, application/fhir+json" },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "follow",
      });
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      const json: unknown = await response.json();
      return json && typeof json === "object" ? json as Record<string, unknown> : undefined;
    } catch (err) {
      options.log.debug("discovery fetch failed", { url, error: String(err) });
      return undefined;
    }
  };

  const discover = async (platform: Platform): Promise<SmartMetadata> => {
    const base = platform.baseUrl;
    const resolve = async (url: string | undefined, purpose: UrlPurpose) =>
      url === undefined
        ? undefined
        : await options.hooks.resolveUrl(url, { platform, log: options.log, purpose });
    const oauthBlock = platform.oauth;
    // A discovery_url in the platform file says where the document is: it comes first.
    if (oauthBlock?.discovery_url) {
      const named = { ...oauthBlock, authorize_url: undefined, token_url: undefined };
      const found = await fromPlatformFile(named, resolve, getJson);
      if (found) return { ...found, source: "platform-file" };
    }
    if (base) {
      const doc = await getJson(`${base}/.well-known/smart-configuration`);
      const found = doc && fromDocument(doc);
      if (found) return { ...found, source: "smart-configuration" };
    }
    const withoutDoc = oauthBlock && { ...oauthBlock, discovery_url: undefined };
    const fromFile = await fromPlatformFile(withoutDoc, resolve, getJson);
    if (fromFile) return { ...fromFile, source: "platform-file" };
    if (base) {
      const capability = await getJson(`${base}/metadata`);
      const found = capability && fromCapabilityStatement(capability);
      if (found) return { ...found, source: "capability-statement" };
    }
    const addOauth = `oauth.authorize_url and oauth.token_url to ${platform.source}`;
    if (!requiresAuth(platform)) {
      // No oauth block: the gateway calls this platform without a login (e.g. `local`).
      // A request that does not apply, not an outage: 400, and the faces need no next step.
      throw new GatewayError(
        "bad_request",
        `The platform "${platform.key}" needs no login: it is reached without authorization.`,
        {
          hint: `Call its FHIR API directly. To log in to it anyway, add ${addOauth}.`,
          details: { platform: platform.key },
        },
      );
    }
    throw new GatewayError(
      "platform_unavailable",
      `The platform "${platform.key}" publishes no SMART authorization endpoints.`,
      {
        hint: `Add ${addOauth}, or check that ${
          base ?? "its FHIR base"
        } serves /.well-known/smart-configuration.`,
      },
    );
  };

  return {
    get(platform) {
      const hit = cache.get(platform.key);
      if (hit && hit.until > options.now()) return hit.value;
      const value = discover(platform);
      cache.set(platform.key, { value, until: options.now() + ttlMs });
      value.catch(() => {
        if (cache.get(platform.key)?.value === value) cache.delete(platform.key);
      });
      return value;
    },
  };
}
