import type { CapabilityStatement } from "@medplum/fhirtypes";
import type { AuthService, SessionService } from "../auth/types.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Platform } from "../catalog/platform.ts";
import { toCapabilityView } from "../fhir/capability-view.ts";
import { createPageLinks, randomPageLinkKey } from "../fhir/page-link.ts";
import type { HookPipeline } from "../hooks/pipeline.ts";
import type { Logger } from "../log.ts";
import type { Caller } from "./caller.ts";
import { createExchange } from "./exchange.ts";
import { createFhirOperations, type FhirOperations } from "./fhir-operations.ts";
import { createLoginOperations, type LoginOperations } from "./login-operations.ts";
import type { GatewayObserver } from "./observer.ts";
import { createPlatformOperations, type PlatformOperations } from "./platform-operations.ts";
import type { UpstreamAuth } from "./upstream-auth.ts";

/** What the core needs from the outside world; tests inject each. */
export interface GatewayDeps {
  catalog: Catalog;
  hooks: HookPipeline;
  fetch: typeof fetch;
  log: Logger;
  /** Public base of the gateway (e.g. https://gw.example.org), no trailing slash. */
  publicUrl: string;
  upstreamTimeoutMs: number;
  /** The largest request body the gateway reads (default 10 MB). */
  maxBodyBytes?: number;
  /** Upstream credentials (the SMART module); without it nothing is sent. */
  auth?: UpstreamAuth;
  /** SMART logins and gateway sessions, for the login operations. */
  logins?: AuthService;
  sessions?: SessionService;
  observers?: readonly GatewayObserver[];
  /**
   * The HMAC keys of `_page` links, newest first (one per master key, so links survive a
   * rotation); a random per-process key without a vault.
   */
  pageLinkKey?: Promise<CryptoKey | CryptoKey[]>;
  /** How long a CapabilityStatement is cached (default 1 h). */
  capabilityTtlMs?: number;
  now?: () => number;
  /** Waits between rate-limit retries; tests inject a fake. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The core: every operation a face (REST, MCP, CLI, pages) calls. Faces parse their input,
 * call one operation with the Caller, and render the result or the GatewayError it throws.
 */
export interface Gateway extends FhirOperations {
  readonly catalog: Catalog;
  /** The gateway base URL for a platform: `{publicUrl}/api/fhir/{key}`. */
  baseFor(platform: Platform): string;
  readonly platforms: PlatformOperations;
  readonly login: LoginOperations;
}

/** The default bound of a request body. */
export const defaultMaxBodyBytes = 10 * 1024 * 1024;

/** Builds the core. */
export function createGateway(deps: GatewayDeps): Gateway {
  const baseFor = (p: Platform) => `${deps.publicUrl}/api/fhir/${p.key}`;
  const exchange = createExchange({
    catalog: deps.catalog,
    hooks: deps.hooks,
    fetch: deps.fetch,
    log: deps.log,
    upstreamTimeoutMs: deps.upstreamTimeoutMs,
    maxBodyBytes: deps.maxBodyBytes ?? defaultMaxBodyBytes,
    auth: deps.auth,
    observers: deps.observers ?? [],
    sleep: deps.sleep,
    pageLinks: (deps.pageLinkKey ?? randomPageLinkKey()).then((keys) => createPageLinks(keys)),
    baseFor,
  });
  const capabilities = capabilityCache(
    async (caller, platform) => {
      const result = await exchange(caller, platform, { kind: "capabilities" });
      const statement = await result.json() as CapabilityStatement;
      // No upstream address reaches callers: implementation.url, OAuth URIs, other links.
      return toCapabilityView(statement, {
        upstreamBase: platform.baseUrl!,
        gatewayBase: baseFor(platform),
        hideHosts: oauthHosts(platform),
      });
    },
    { ttlMs: deps.capabilityTtlMs ?? 3_600_000, now: deps.now ?? Date.now },
  );
  const fhir = createFhirOperations({
    resolve: (ref) => deps.catalog.get(ref),
    exchange,
    baseFor,
    capabilities,
  });
  return {
    ...fhir,
    catalog: deps.catalog,
    baseFor,
    platforms: createPlatformOperations({ catalog: deps.catalog, baseFor }),
    login: createLoginOperations({
      catalog: deps.catalog,
      auth: deps.logins,
      sessions: deps.sessions,
    }),
  };
}

type Fetcher = (caller: Caller, platform: Platform) => Promise<CapabilityStatement>;

/**
 * One CapabilityStatement cache for every face, keyed by platform key: statements change
 * rarely and are the same for every caller. A failure is not cached.
 */
function capabilityCache(fetchOne: Fetcher, o: { ttlMs: number; now: () => number }): Fetcher {
  const entries = new Map<string, { at: number; value: Promise<CapabilityStatement> }>();
  return (caller, platform) => {
    const hit = entries.get(platform.key);
    if (hit && o.now() - hit.at < o.ttlMs) return hit.value;
    const value = fetchOne(caller, platform);
    entries.set(platform.key, { at: o.now(), value });
    value.catch(() => entries.delete(platform.key));
    return value;
  };
}

/** Hosts of the platform's own OAuth endpoints, which callers never need to see. */
function oauthHosts(platform: Platform): string[] {
  const o = platform.oauth;
  const urls = [o?.authorize_url, o?.token_url, o?.revocation_url, o?.introspection_url];
  return urls.flatMap((u) => {
    try {
      return u ? [new URL(u).hostname] : [];
    } catch {
      return [];
    }
  });
}
