import type { Caller } from "../core/caller.ts";
import type { Catalog } from "../catalog/catalog.ts";
import type { Logger } from "../log.ts";
import type { FhirReader } from "./_ehr-reader.ts";
import type { Engines } from "./_engines.ts";
import type { PayerHttp } from "./_payer-http.ts";

/** What the coverage operations work with; the app builds it, tests inject each part. */
export interface CoverageDeps extends PayerHttp {
  catalog: Catalog;
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  now: () => number;
  /** The EHR side, read through the caller's login on that platform. */
  readerFor(ehrPlatform: string, caller: Caller): FhirReader;
  /** The JWT issuer when a payer names no client id: the gateway's public URL. */
  clientId: string;
  /** CRD: the answer time services aim for, and the bound after which the answer is indeterminate. */
  crdTargetMs: number;
  crdTimeoutMs: number;
  /** DTR and PAS calls. */
  fhirTimeoutMs: number;
  /** FHIRPath and CQL, imported on first use (src/coverage/_engines.ts). */
  engines: Engines;
}
