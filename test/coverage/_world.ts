import type { Json } from "../../src/coverage/_json.ts";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { type ServedGateway, serveGateway } from "../mcp/_harness.ts";
import { type FhirPeer, JOHNNIE_ID, LUNA_ID, startFhirPeer } from "../peers/fhir-server.ts";
import { type PayerPeer, startPayerPeer } from "../peers/payer-server.ts";

export { JOHNNIE_ID, LUNA_ID };

/** The ordering practitioner seeded into the EHR. */
export const PRACTITIONER_ID = "dr-ortho";
/** Johnnie's active Coverage in the EHR. */
export const COVERAGE_ID = "cov-johnnie";
/** A ServiceRequest for the wrist MRI, already in the EHR. */
export const ORDER_ID = "sr-wrist-mri";

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "platforms", name),
      "utf8",
    ),
  );

/** Resources the EHR needs beyond the Synthea record: practitioner, payer, Coverage, order. */
export const ehrSeed = [
  {
    resourceType: "Practitioner",
    id: PRACTITIONER_ID,
    name: [{ family: "Bone", given: ["Ada"], prefix: ["Dr."] }],
    identifier: [{ system: "http://hl7.org/fhir/sid/us-npi", value: "1234567893" }],
  },
  {
    resourceType: "Organization",
    id: "test-payer-org",
    name: "Test Payer",
    identifier: [{ system: "http://hl7.org/fhir/sid/us-npi", value: "9876543210" }],
  },
  {
    resourceType: "Coverage",
    id: COVERAGE_ID,
    status: "active",
    subscriberId: "MEM-000123",
    beneficiary: { reference: `Patient/${JOHNNIE_ID}` },
    payor: [{ reference: "Organization/test-payer-org" }],
    relationship: {
      coding: [{
        system: "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
        code: "self",
      }],
    },
  },
  {
    resourceType: "ServiceRequest",
    id: ORDER_ID,
    status: "active",
    intent: "order",
    code: {
      coding: [{
        system: "http://www.ama-assn.org/go/cpt",
        code: "73221",
        display: "MRI upper extremity joint",
      }],
    },
    subject: { reference: `Patient/${JOHNNIE_ID}` },
    requester: { reference: `Practitioner/${PRACTITIONER_ID}` },
  },
];

/** The EHR peer, the payer peer and a gateway served between them. */
export interface CoverageWorld {
  ehr: FhirPeer;
  payer: PayerPeer;
  gateway: ServedGateway;
  /** Another gateway on the same peers with settings of the test's choosing. */
  gatewayWith(env: Record<string, string>): Promise<ServedGateway>;
  close(): Promise<void>;
}

/** Starts the world: Medplum (seeded) as the EHR, the payer peer, and the gateway. */
export async function startCoverageWorld(): Promise<CoverageWorld> {
  const ehr = await startFhirPeer();
  for (const resource of ehrSeed) {
    const response = await fetch(`${ehr.baseUrl}/${resource.resourceType}/${resource.id}`, {
      method: "PUT",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify(resource),
    });
    if (!response.ok) {
      throw new Error(
        `seeding ${resource.resourceType} failed: ${response.status} ${await response.text()}`,
      );
    }
  }
  const payer = await startPayerPeer({ issuer: "fhir-gateway-test" });
  const extra: ServedGateway[] = [];
  const start = (env: Record<string, string> = {}) =>
    serveGateway({
      platforms: [
        { id: "ehr", name: "EHR", type: "ehr", fhir_base_url: ehr.baseUrl },
        fixture("test-payer.json"),
        {
          id: "nocrd-payer",
          name: "Payer without CRD",
          type: "payer",
          capabilities: { crd: false, pas: true },
          services: { pas: { fhir_base_url: payer.fhirBase }, client_id: "fhir-gateway-test" },
        },
      ],
      env: {
        FHIR_GATEWAY_PLATFORM_TEST_PAYER_CRD_URL: payer.cdsBase,
        FHIR_GATEWAY_PLATFORM_TEST_PAYER_DTR_URL: payer.fhirBase,
        FHIR_GATEWAY_PLATFORM_TEST_PAYER_PAS_URL: payer.fhirBase,
        ...env,
      },
    });
  const gateway = await start();
  payer.trust(`${gateway.url}/.well-known/jwks.json`);
  return {
    ehr,
    payer,
    gateway,
    async gatewayWith(env) {
      const g = await start(env);
      extra.push(g);
      return g;
    },
    async close() {
      for (const g of extra) await g.close();
      await gateway.close();
      await payer.close();
      await ehr.close();
    },
  };
}

/** POSTs JSON to the gateway; fails loudly on a 500. */
export async function post<T = Record<string, Json>>(
  gateway: ServedGateway,
  path: string,
  body: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (
    response.status >= 500 && response.status !== 502 && response.status !== 503 &&
    response.status !== 504
  ) {
    throw new Error(`unexpected ${response.status}: ${text}`);
  }
  return { status: response.status, body: JSON.parse(text) as T };
}

/**
 * Starts the world before the file's tests and stops it after; answers a getter (the world
 * exists only once beforeAll ran).
 */
export function useCoverageWorld(): () => CoverageWorld {
  let world: CoverageWorld | undefined;
  beforeAll(async () => {
    world = await startCoverageWorld();
  }, 60_000);
  afterAll(() => world?.close());
  return () => {
    if (!world) throw new Error("the coverage world is not started");
    return world;
  };
}
