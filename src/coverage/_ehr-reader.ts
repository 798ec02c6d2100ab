import type { Bundle, Resource } from "@medplum/fhirtypes";
import type { Caller } from "../core/caller.ts";
import type { Gateway } from "../core/gateway.ts";
import { GatewayError } from "../errors.ts";

/**
 * Reads the EHR side of a coverage step, bound to one caller and one EHR platform. The
 * adapter to the core lives in this one file so the core can change beneath it.
 */
export interface FhirReader {
  /** The EHR platform's key, for messages and references. */
  readonly platform: string;
  /** The gateway's FHIR base for that platform (absolute fullUrls in PAS Bundles). */
  readonly base: string;
  read(type: string, id: string): Promise<Resource>;
  /** One page of a search (the resources of its `match` entries). */
  search(type: string, params: URLSearchParams): Promise<Resource[]>;
}

/** A FhirReader over the core for `caller` on the EHR platform `platformRef`. */
export function createEhrReader(gateway: Gateway, platformRef: string, caller: Caller): FhirReader {
  const platform = gateway.catalog.get(platformRef);
  return {
    platform: platform.key,
    base: gateway.baseFor(platform),
    async read(type, id) {
      const result = await gateway.read(caller, { platform: platform.key, type, id });
      const body = await result.json();
      if (!body?.resourceType) {
        throw new GatewayError(
          "upstream_error",
          `The platform "${platform.key}" answered ${type}/${id} with no resource.`,
        );
      }
      return body;
    },
    async search(type, params) {
      const result = await gateway.search(caller, { platform: platform.key, type, params });
      const body = (await result.json()) as Bundle | undefined;
      if (body?.resourceType !== "Bundle") {
        throw new GatewayError(
          "upstream_error",
          `The platform "${platform.key}" answered a ${type} search with something other than a Bundle.`,
        );
      }
      return (body.entry ?? [])
        .filter((e) => e.search?.mode === undefined || e.search.mode === "match")
        .map((e) => e.resource)
        .filter((r): r is Resource => Boolean(r));
    },
  };
}
