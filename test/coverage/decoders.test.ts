import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ClaimResponse } from "@medplum/fhirtypes";
import { claimResponseOf, decodeClaimResponse } from "../../src/coverage/claim-response.ts";
import { decisionOf, decodeCrdResponse } from "../../src/coverage/crd-response.ts";
import { createEngines } from "../../src/coverage/_engines.ts";
import { evaluateToken } from "../../src/coverage/prefetch.ts";

const example = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "davinci", name), "utf8"));

describe("decoding the guides' own examples", () => {
  it("reads CRDServiceResponse: coverage-information from systemActions, three cards with links and suggestions", () => {
    const decoded = decodeCrdResponse(example("CRDServiceResponse.json"));
    expect(decoded.problems).toEqual([]);
    expect(decoded.coverage).toHaveLength(1);
    const info = decoded.coverage[0]!;
    expect(info).toMatchObject({
      order: "ServiceRequest/idfromcontext",
      covered: "covered",
      paNeeded: "satisfied",
      docNeeded: ["conditional"],
      infoNeeded: ["OTH"],
      assertionId: "12345ABC",
      satisfiedPaId: "Q8U119",
      date: "2019-02-15",
    });
    expect(info.billingCodes.map((c) => c.code)).toEqual(["77065", "77066", "77067"]);
    expect(info.reasons).toHaveLength(2);
    expect(info.contact).toEqual(["http://some-payer/xyz-sub-org/get-help-here.html"]);
    expect(decisionOf(decoded.coverage)).toBe("not_required");
    expect(decoded.cards).toHaveLength(3);
    expect(decoded.cards[1]!.links.length).toBeGreaterThan(0);
    expect(decoded.cards[2]!.suggestions.length).toBeGreaterThan(0);
    expect(decoded.cards[1]!.orders).toEqual(["ServiceRequest/2468"]);
  });

  it("names codes outside CRD's value sets instead of trusting them", () => {
    const body = {
      systemActions: [{
        type: "update",
        resource: {
          resourceType: "ServiceRequest",
          id: "a",
          extension: [{
            url: "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information",
            extension: [{ url: "covered", valueCode: "yes-please" }],
          }],
        },
      }],
    };
    const decoded = decodeCrdResponse(body);
    expect(decoded.coverage[0]!.problems[0]).toContain('"yes-please"');
  });

  it("reads PAS ClaimResponses: approved, pended and the error outcome", () => {
    const approved = claimResponseOf(
      example("Bundle-ReferralAuthorizationResponseBundleExample.json"),
    );
    expect(decodeClaimResponse(approved.response!)).toMatchObject({
      outcome: "complete",
      decision: "approved",
      pre_auth_ref: "AUTH0001",
    });
    const pended = claimResponseOf(
      example("Bundle-ReferralPendingAuthorizationResponseBundleExample.json"),
    );
    expect(decodeClaimResponse(pended.response!).items[0]!.review_action).toEqual({
      code: "A4",
      text: "Pended",
    });
    const error = decodeClaimResponse(
      {
        resourceType: "ClaimResponse",
        outcome: "error",
        error: [{ code: { text: "Invalid member" } }],
      } as ClaimResponse,
    );
    expect(error).toMatchObject({ decision: "error", errors: ["Invalid member"] });
  });

  it("reads the $inquire answer wrapped in Parameters", () => {
    const wrapped = {
      resourceType: "Parameters",
      parameter: [{
        name: "return",
        resource: example("Bundle-PASClaimInquiryResponseBundleExample.json"),
      }],
    };
    expect(decodeClaimResponse(claimResponseOf(wrapped).response!).decision).toBe("approved");
  });

  it("fills the guide's prefetch tokens: context, resolve().ofType().id, unions and %key", async () => {
    const context = {
      patientId: "p1",
      draftOrders: {
        resourceType: "Bundle",
        entry: [
          {
            resource: {
              resourceType: "ServiceRequest",
              requester: { reference: "Practitioner/dr1" },
              performer: [{ reference: "PractitionerRole/r1" }],
            },
          },
          {
            resource: { resourceType: "DeviceRequest", codeReference: { reference: "Device/d1" } },
          },
        ],
      },
    };
    const filled = {
      encounter: {
        resourceType: "Encounter",
        participant: [{ individual: { reference: "Practitioner/dr2" } }],
      },
    } as never;
    const fhirpath = await createEngines().fhirPath();
    expect(evaluateToken("context.patientId", context, {}, fhirpath)).toEqual(["p1"]);
    expect(
      evaluateToken(
        "context.draftOrders.entry.resource.ofType(DeviceRequest).code.resolve().id",
        context,
        {},
        fhirpath,
      ),
    )
      .toEqual(["d1"]);
    expect(evaluateToken(
      "%encounter.participant.individual.resolve().ofType(Practitioner).id|context.draftOrders.entry.resource.requester.resolve().ofType(Practitioner).id",
      context,
      filled,
      fhirpath,
    )).toEqual(["dr2", "dr1"]);
    expect(
      evaluateToken(
        "context.draftOrders.entry.resource.performer.resolve().ofType(Practitioner).id",
        context,
        {},
        fhirpath,
      ),
    )
      .toEqual([]);
  });
});
