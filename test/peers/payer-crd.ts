import type { Json } from "../../src/coverage/_json.ts";
import { guideExample } from "./payer-fixtures.ts";

const coverageInfo =
  "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information";
const temp = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp";

/** What the CRD peer answers per CPT/HCPCS code of the draft order. */
const crdScenarios = {
  /** MRI of an upper-extremity joint: prior auth and clinical documentation (DTR form). */
  "73221": "required",
  /** Screening mammography: the guide's own response (covered, PA satisfied, docs conditional). */
  "77065": "guide",
  /** Physical therapy: covered, no auth, clinical documentation needed. */
  "97110": "documentation",
  /** MRI lumbar spine: conditional (auth needed past a visit count). */
  "72148": "conditional",
  /** Office visit: covered, no auth. */
  "99213": "not-required",
  /** A code the payer does not know: a card, no coverage-information. */
  "99999": "unknown",
  /** A malformed answer: a card without summary, and coverage-information put on a card. */
  "12345": "malformed",
} as const;

type Sub = Record<string, unknown>;

function info(coverage: string, subs: Sub[]): Sub {
  return {
    url: coverageInfo,
    extension: [{ url: "coverage", valueReference: { reference: coverage } }, ...subs],
  };
}

/**
 * The CDS Hooks answer for one order, shaped as the guide's CRDServiceResponse: cards, and
 * the decision as a `systemActions` update of the order carrying coverage-information.
 */
export function crdAnswer(
  order: Record<string, Json>,
  coverageRef: string,
): Record<string, unknown> {
  const code = order.code?.coding?.[0]?.code ?? order.medicationCodeableConcept?.coding?.[0]?.code;
  const scenario = crdScenarios[code as keyof typeof crdScenarios];
  const update = (subs: Sub[]) => ({
    type: "update",
    description: "Coverage information for the order",
    resource: {
      ...order,
      extension: [
        ...(order.extension ?? []),
        info(coverageRef, subs),
      ],
    },
  });
  const assertion = { url: "coverage-assertion-id", valueString: `CA-${code}` };
  switch (scenario) {
    case "guide":
      // The guide's own response, untouched: its update names the placeholder id "idfromcontext".
      return guideExample("CRDServiceResponse.json");
    case "required":
      return {
        cards: [{
          uuid: crypto.randomUUID(),
          summary: "Prior authorization required for MRI of an upper-extremity joint",
          indicator: "info",
          source: { label: "Test Payer" },
          links: [{
            label: "Imaging policy",
            url: "https://payer.example/policy/imaging",
            type: "absolute",
          }],
          extension: {
            "davinci-crd.associated-resource": [{ reference: `${order.resourceType}/${order.id}` }],
          },
        }],
        systemActions: [update([
          { url: "covered", valueCode: "covered" },
          { url: "pa-needed", valueCode: "auth-needed" },
          { url: "doc-needed", valueCode: "clinical" },
          { url: "doc-purpose", valueCode: "withpa" },
          {
            url: "billingCode",
            valueCoding: { system: "http://www.ama-assn.org/go/cpt", code: "73221" },
          },
          {
            url: "reason",
            valueCodeableConcept: { text: "Advanced imaging needs prior authorization" },
          },
          {
            url: "questionnaire",
            valueCanonical: "http://payer.example/fhir/Questionnaire/wrist-mri-prior-auth",
          },
          { url: "date", valueDate: "2026-12-01" },
          assertion,
          { url: "expiry-date", valueDate: "2027-03-01" },
        ])],
      };
    case "documentation":
      return {
        cards: [],
        systemActions: [update([
          { url: "covered", valueCode: "covered" },
          { url: "pa-needed", valueCode: "no-auth" },
          { url: "doc-needed", valueCode: "clinical" },
          {
            url: "reason",
            valueCodeableConcept: {
              coding: [{ system: temp, code: "gold-card" }],
              text: "Progress notes are needed with the claim",
            },
          },
          assertion,
        ])],
      };
    case "conditional":
      return {
        cards: [],
        systemActions: [update([
          { url: "covered", valueCode: "conditional" },
          { url: "pa-needed", valueCode: "conditional" },
          {
            url: "reason",
            valueCodeableConcept: { text: "Prior authorization needed after the sixth visit" },
          },
          assertion,
        ])],
      };
    case "not-required":
      return {
        cards: [],
        systemActions: [update([
          { url: "covered", valueCode: "covered" },
          { url: "pa-needed", valueCode: "no-auth" },
          assertion,
        ])],
      };
    case "unknown":
      return {
        cards: [{
          uuid: crypto.randomUUID(),
          summary: `Code ${code} is not on file`,
          indicator: "warning",
          source: { label: "Test Payer" },
        }],
      };
    case "malformed":
      return {
        cards: [
          { uuid: crypto.randomUUID(), indicator: "info", source: { label: "Test Payer" } },
          {
            uuid: crypto.randomUUID(),
            summary: "Coverage",
            indicator: "info",
            source: { label: "Test Payer" },
            extension: [info(coverageRef, [{ url: "covered", valueCode: "covered" }])],
          },
          "not a card",
        ],
        systemActions: "nope",
      };
    default:
      return { cards: [] };
  }
}
