import type { CoverageServices } from "../catalog/coverage-schema.ts";
import { envPrefix, type Platform } from "../catalog/platform.ts";
import { GatewayError } from "../errors.ts";

/** The three Da Vinci services, by the names the capability flags use. */
type CoverageServiceName = "crd" | "dtr" | "pas";

/** Where one payer's services are, after env overrides; absent means not published. */
export interface PayerServices {
  payer: string;
  crd?: { base: string; hooks?: readonly string[] };
  dtr?: { base: string };
  pas?: { base: string };
  auth: CoverageServices["auth"];
  clientId?: string;
  policyLinks: Record<string, string>;
}

const trim = (url: string) => url.replace(/\/+$/, "");

/**
 * The services of a payer platform: the file's `services` block, with each URL overridable by
 * `FHIR_GATEWAY_PLATFORM_<ID>_CRD_URL` (CDS Hooks base), `_DTR_URL` and `_PAS_URL` (FHIR bases),
 * for payers that hand the URLs to registered clients only.
 */
export function payerServices(
  platform: Platform,
  env: Readonly<Record<string, string | undefined>>,
): PayerServices {
  const s = platform.services;
  const prefix = envPrefix(platform.id);
  const url = (name: string, fromFile?: string) => {
    const value = env[`${prefix}${name}_URL`]?.trim() || fromFile;
    return value ? trim(value) : undefined;
  };
  const crd = url("CRD", s?.crd?.cds_base_url);
  const dtr = url("DTR", s?.dtr?.fhir_base_url);
  const pas = url("PAS", s?.pas?.fhir_base_url);
  const links: Record<string, string> = {};
  for (const [k, v] of Object.entries(platform.resources ?? {})) {
    if (/polic|precert|prior|auth/i.test(k)) links[k] = v;
  }
  Object.assign(links, s?.policy_links ?? {});
  return {
    payer: platform.key,
    crd: crd ? { base: crd, hooks: s?.crd?.hooks ?? platform.crd_hooks } : undefined,
    dtr: dtr ? { base: dtr } : undefined,
    pas: pas ? { base: pas } : undefined,
    auth: s?.auth ?? "cds-hooks-jwt",
    clientId: s?.client_id,
    policyLinks: links,
  };
}

/** Capability flags as the services block says them: true where a URL is known. */
export function coverageFlags(services: PayerServices): Record<CoverageServiceName, boolean> {
  return { crd: Boolean(services.crd), dtr: Boolean(services.dtr), pas: Boolean(services.pas) };
}

const labels: Record<CoverageServiceName, string> = {
  crd: "CRD (CDS Hooks)",
  dtr: "DTR ($questionnaire-package)",
  pas: "PAS (Claim/$submit)",
};

/** The base URL of one service, or a clear refusal that says why it is missing. */
export function requireService(
  platform: Platform,
  services: PayerServices,
  name: CoverageServiceName,
): string {
  const base = services[name]?.base;
  if (base) return base;
  const flagged = platform.capabilities[name] === true;
  const envName = `${envPrefix(platform.id)}${name.toUpperCase()}_URL`;
  throw new GatewayError(
    "platform_unavailable",
    flagged
      ? `The payer "${platform.key}" offers ${
        labels[name]
      }, but its address is not in ${platform.source}.`
      : `The payer "${platform.key}" publishes no ${labels[name]} service.`,
    {
      hint: flagged
        ? `The payer gives the URL to registered clients: set ${envName}, or add services.${name} to ${platform.source}.`
        : `Check the payer's policy pages instead (get_policy_rules), or add services.${name} to ${platform.source} if it has one.`,
    },
  );
}
