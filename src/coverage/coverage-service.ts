import type { Catalog } from "../catalog/catalog.ts";
import type { Gateway } from "../core/gateway.ts";
import type { Logger } from "../log.ts";
import type { CoverageDeps } from "./_deps.ts";
import { createEhrReader } from "./_ehr-reader.ts";
import { createEngines } from "./_engines.ts";
import { checkPriorAuth } from "./check-prior-auth.ts";
import { type ClientSigner, createClientSigner } from "./client-jwt.ts";
import { getPolicyRules } from "./get-policy-rules.ts";
import { getQuestionnairePackage } from "./get-questionnaire-package.ts";
import { inquirePriorAuth, submitPriorAuth } from "./submit-prior-auth.ts";

/** The coverage operations both faces call, one per step of a prior authorization. */
export interface CoverageService {
  checkPriorAuth: (
    input: Parameters<typeof checkPriorAuth>[1],
  ) => ReturnType<typeof checkPriorAuth>;
  getQuestionnairePackage: (
    input: Parameters<typeof getQuestionnairePackage>[1],
  ) => ReturnType<typeof getQuestionnairePackage>;
  submitPriorAuth: (
    input: Parameters<typeof submitPriorAuth>[1],
  ) => ReturnType<typeof submitPriorAuth>;
  inquirePriorAuth: (
    input: Parameters<typeof inquirePriorAuth>[1],
  ) => ReturnType<typeof inquirePriorAuth>;
  getPolicyRules: (
    input: Parameters<typeof getPolicyRules>[1],
  ) => ReturnType<typeof getPolicyRules>;
  /** The gateway's CDS Hooks client key set. */
  signer: ClientSigner;
}

const int = (v: string | undefined, fallback: number) => {
  const n = Number(v);
  return v && Number.isInteger(n) && n > 0 ? n : fallback;
};

/**
 * Builds the coverage service from the core and settings: `FHIR_GATEWAY_CDS_HOOKS_PRIVATE_KEY`
 * (a private JWK; generated per process when unset), `FHIR_GATEWAY_CDS_HOOKS_CLIENT_ID` (default:
 * the public URL), `FHIR_GATEWAY_CRD_TIMEOUT_MS` (default 10000; CRD aims at 5000) and
 * `FHIR_GATEWAY_PAYER_TIMEOUT_MS` (DTR and PAS, default 30000).
 */
export function createCoverageService(options: {
  gateway: Gateway;
  catalog: Catalog;
  fetch: typeof fetch;
  env: Readonly<Record<string, string | undefined>>;
  publicUrl: string;
  log: Logger;
  now?: () => number;
}): CoverageService {
  const env = options.env;
  const now = options.now ?? Date.now;
  const clientId = env.FHIR_GATEWAY_CDS_HOOKS_CLIENT_ID?.trim() || options.publicUrl;
  const signer = createClientSigner({
    issuer: clientId,
    privateJwk: env.FHIR_GATEWAY_CDS_HOOKS_PRIVATE_KEY?.trim() || undefined,
    jwksUrl: `${options.publicUrl}/.well-known/jwks.json`,
    now,
  });
  // A bad key is an operator's mistake: say so at start-up, not on the first payer call.
  signer.jwks().catch((err) =>
    options.log.error("coverage: the CDS Hooks client key is unusable", {
      error: err instanceof Error ? err.message : String(err),
    })
  );
  const deps: CoverageDeps = {
    catalog: options.catalog,
    fetch: options.fetch,
    signer,
    env,
    log: options.log,
    now,
    clientId,
    readerFor: (ehr, caller) => createEhrReader(options.gateway, ehr, caller),
    crdTargetMs: 5000,
    crdTimeoutMs: int(env.FHIR_GATEWAY_CRD_TIMEOUT_MS, 10_000),
    fhirTimeoutMs: int(env.FHIR_GATEWAY_PAYER_TIMEOUT_MS, 30_000),
    engines: createEngines({ log: options.log }),
  };
  return {
    checkPriorAuth: (input) => checkPriorAuth(deps, input),
    getQuestionnairePackage: (input) => getQuestionnairePackage(deps, input),
    submitPriorAuth: (input) => submitPriorAuth(deps, input),
    inquirePriorAuth: (input) => inquirePriorAuth(deps, input),
    getPolicyRules: (input) => getPolicyRules(deps, input),
    signer,
  };
}
