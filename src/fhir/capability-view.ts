import type { CapabilityStatement } from "@medplum/fhirtypes";
import { createLinkMapper } from "./links.ts";

/** The SMART extension that lists a platform's OAuth endpoints (SMART App Launch 1.0). */
export const smartOAuthUrisExtension =
  "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

/** What toCapabilityView needs to know about where the statement came from. */
export interface CapabilityViewOptions {
  /** The platform's upstream FHIR base. */
  upstreamBase: string;
  /** The gateway's base for this platform, e.g. `https://gw.example/api/fhir/epic`. */
  gatewayBase: string;
  /** Further hosts that must not reach callers (the platform's OAuth servers, say). */
  hideHosts?: readonly string[];
}

/**
 * The CapabilityStatement as callers see it: no upstream address left anywhere.
 * - `implementation.url` is the gateway base (an `implementation` is added when missing);
 * - the SMART `oauth-uris` extension of `rest[].security` is removed: its authorize and
 *   token endpoints belong to the platform's login, which the gateway runs itself; callers
 *   log in through the gateway's /auth routes, which are not OAuth endpoints for them;
 * - every other string holding an upstream address: a whole URL under the FHIR base becomes
 *   the matching gateway URL, anything else holding an upstream host is removed.
 * Pure: the input is not changed (a cached statement stays as the platform sent it).
 */
export function toCapabilityView(
  statement: CapabilityStatement,
  options: CapabilityViewOptions,
): CapabilityStatement {
  const mapper = createLinkMapper(options.upstreamBase, options.gatewayBase);
  const hosts = [new URL(options.upstreamBase).hostname, ...(options.hideHosts ?? [])]
    .map((h) => h.toLowerCase().replace(/^\[|\]$/g, ""))
    .filter(Boolean);
  const leaks = hostPattern(hosts);
  const scrub = (value: unknown): unknown => {
    if (typeof value === "string") {
      const host = urlHost(value);
      if (host !== undefined && hosts.includes(host)) return mapper.toGateway(value);
      return leaks.test(value) ? undefined : value;
    }
    if (Array.isArray(value)) {
      return value.map(scrub).filter((v) => v !== undefined);
    }
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const s = scrub(v);
        if (s !== undefined) out[k] = s;
      }
      return out;
    }
    return value;
  };

  const copy = structuredClone(statement);
  for (const rest of copy.rest ?? []) {
    const security = rest.security;
    if (!security?.extension) continue;
    security.extension = security.extension.filter((e) => e.url !== smartOAuthUrisExtension);
    if (security.extension.length === 0) delete security.extension;
  }
  const view = scrub(copy) as CapabilityStatement;
  view.implementation = {
    ...view.implementation,
    description: view.implementation?.description ?? "FHIR gateway",
    url: options.gatewayBase,
  };
  return view;
}

/**
 * Matches text naming one of `hosts`: as a URL authority (`//host`, `//user@host:port`), or,
 * for a dotted name, on its own (`see fhir.vendor.com`). A one-label host such as `fhir` only
 * counts after `//`, so `http://hl7.org/fhir/...` profiles are not mistaken for it.
 */
function hostPattern(hosts: readonly string[]): RegExp {
  const esc = (h: string) => h.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const authority = hosts.map((h) => `\\/\\/(?:[^/@\\s]*@)?\\[?${esc(h)}\\]?(?![a-z0-9-])`);
  const bare = hosts.filter((h) => h.includes("."))
    .map((h) => `(?<![a-z0-9.-])${esc(h)}(?![a-z0-9-]|\\.[a-z0-9])`);
  return new RegExp([...authority, ...bare].join("|"), "i");
}

/** The hostname of a string that is a whole http(s) or protocol-relative URL. */
function urlHost(text: string): string | undefined {
  const t = text.trim();
  if (/\s/.test(t)) return undefined;
  try {
    const url = /^[\\/]{2}/.test(t) ? new URL(t, "https://relative.invalid") : new URL(t);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}
