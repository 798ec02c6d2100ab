import type { Platform } from "../catalog/platform.ts";
import type { Caller } from "../core/caller.ts";
import type { CoverageDeps } from "./_deps.ts";
import { GatewayError } from "../errors.ts";
import type { FhirReader } from "./_ehr-reader.ts";
import { type PayerServices, payerServices, requireService } from "./payer-services.ts";

/** What every coverage step starts from: the payer, its service's base, the EHR reader, now. */
export interface StepStart {
  platform: Platform;
  services: PayerServices;
  base: string;
  reader: FhirReader;
  now: Date;
}

/**
 * Opens one step: the payer platform and the base of `service` (refused before anything is
 * read when the payer has none), then the EHR reader for the caller.
 */
export function openStep(
  deps: CoverageDeps,
  input: { payer: string; ehr: string; caller: Caller },
  service: "crd" | "dtr" | "pas",
  /** True for a step that asks the payer to act (submitting a request), not only to answer. */
  writes = false,
): StepStart {
  const platform = deps.catalog.get(input.payer);
  // The payer is called outside the FHIR core, so its rule about scoped credentials (an API
  // key limited to some platforms, or to reading) is applied here; the EHR reads get the core's.
  const scope = input.caller.scope;
  if (scope?.platforms && !scope.platforms.includes(platform.id)) {
    throw new GatewayError("forbidden", `This credential is not valid for "${platform.key}".`, {
      details: { platform: platform.key },
    });
  }
  if (scope?.readOnly && writes) {
    throw new GatewayError(
      "forbidden",
      "This credential may only read; submitting a prior authorization is a write.",
      {
        details: { platform: platform.key },
      },
    );
  }
  const services = payerServices(platform, deps.env);
  const base = requireService(platform, services, service);
  return {
    platform,
    services,
    base,
    reader: deps.readerFor(input.ehr, input.caller),
    now: new Date(deps.now()),
  };
}
