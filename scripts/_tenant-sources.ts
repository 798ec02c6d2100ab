/**
 * The published endpoint directories and the platform each one fills, for
 * `npm run import-tenants`. The folder's README says where every file came from.
 */
import type { Tenant } from "../src/catalog/schema.ts";

export interface TenantSource {
  platform: string;
  /** Hand-written tenants kept beside the imported ones (a vendor's sandbox). */
  keep?: Tenant[];
  /** Files of the directory folder, read in order into one tenant index. */
  files: string[];
  /** Where the vendor publishes the list, to refresh it when the network allows. */
  upstream: string;
}

/** Every directory the gateway ships tenants from. */
export const tenantSources: TenantSource[] = [
  {
    platform: "athena",
    files: ["athenahealth.json"],
    upstream: "https://service-base-urls.api.fhir.athena.io/athena-fhir-service-base-urls.json",
  },
  {
    platform: "cerner",
    keep: [{
      id: "sandbox",
      name: "Oracle Health (Cerner) code sandbox",
      fhir_base_url: "https://fhir-ehr-code.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d",
      bases: {
        provider: "https://fhir-ehr-code.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d",
        patient: "https://fhir-myrecord.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d",
      },
      aliases: ["code-sandbox", "secure-sandbox"],
      vendor_id: "ec2458f2-1e24-41c8-b71b-0e701af7583d",
      fhir_version: "R4",
    }],
    files: ["oracle-health.json"],
    upstream: "https://github.com/oracle-samples/ignite-endpoints",
  },
  {
    platform: "eclinicalworks",
    files: ["eclinicalworks.json"],
    upstream: "https://fhir.eclinicalworks.com/ecwopendev/external/practiceList",
  },
  { platform: "epic", files: ["epic.json"], upstream: "https://open.epic.com/Endpoints/Brands" },
  {
    platform: "greenway",
    files: ["greenway.json"],
    upstream: "https://developers.greenwayhealth.com/developer-platform/page/fhir-base-urls",
  },
  {
    platform: "meditech",
    files: ["meditech.json"],
    upstream: "https://fhir.meditech.com/explorer/endpoints",
  },
  {
    platform: "modmed",
    files: ["modernizing-medicine.json"],
    upstream: "https://mm-fhir-endpoint-display.prod.fhir.ema-api.com/",
  },
];
