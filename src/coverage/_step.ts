import type { Platform } from "../catalog/platform.ts";
import type { Caller } from "../core/caller.ts";
import type { CoverageDeps } from "./_deps.ts";
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
): StepStart {
  const platform = deps.catalog.get(input.payer);
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
