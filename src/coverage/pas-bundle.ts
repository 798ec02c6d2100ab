import type { Bundle, Claim, Coverage, Resource } from "@medplum/fhirtypes";
import { orderCodes } from "./draft-order.ts";

const pas = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/";
const x12 = "https://codesystem.x12.org/005010/";

/** What a PAS request is built from. */
export interface PasParts {
  patient: Resource;
  coverage: Coverage;
  requester?: Resource;
  /** The payer Organization, when the EHR has it (Coverage.payor). */
  insurer?: Resource;
  order: Resource;
  questionnaireResponse?: Resource;
  /** The EHR's FHIR base as the gateway serves it: fullUrls of resources read from there. */
  base: string;
  now: Date;
  /** True when the order was built from a code (not in the EHR): urn:uuid fullUrl. */
  orderIsDraft: boolean;
}

/** One thing the request lacks, named by the element PAS needs. */
export interface MissingItem {
  element: string;
  why: string;
}

/**
 * Builds the PAS request Bundle: the Claim (use preauthorization) first, then Patient,
 * Coverage, insurer, requester, order and QuestionnaireResponse, each once, with absolute
 * fullUrls; and says exactly what is missing for the payer to decide.
 */
export function buildPasBundle(
  parts: PasParts,
): { bundle: Bundle; claim: Claim; missing: MissingItem[] } {
  const missing: MissingItem[] = [];
  const ref = (r: Resource) => `${r.resourceType}/${r.id}`;
  const codes = orderCodes(parts.order);
  const patient = parts.patient as {
    name?: unknown[];
    birthDate?: string;
    gender?: string;
    identifier?: unknown[];
  };
  if (!patient.name?.length) {
    missing.push({ element: "Patient.name", why: "PAS identifies the member by name" });
  }
  if (!patient.birthDate) {
    missing.push({ element: "Patient.birthDate", why: "PAS identifies the member by birth date" });
  }
  if (!patient.gender) {
    missing.push({ element: "Patient.gender", why: "the PAS Beneficiary profile requires it" });
  }
  const insurerRef = parts.coverage.payor?.[0]?.reference;
  if (!insurerRef && !parts.coverage.payor?.[0]?.identifier) {
    missing.push({ element: "Coverage.payor", why: "the Claim's insurer comes from it" });
  }
  if (!parts.coverage.subscriberId && !parts.coverage.identifier?.length) {
    missing.push({ element: "Coverage.subscriberId", why: "the payer finds the member by it" });
  }
  if (!parts.requester) {
    missing.push({
      element: "Claim.provider",
      why: "name the requesting Practitioner (practitioner_id)",
    });
  }
  if (codes.length === 0 || !codes[0]?.code) {
    missing.push({ element: "Claim.item.productOrService", why: "the order has no code" });
  }
  const claim: Claim = {
    resourceType: "Claim",
    id: crypto.randomUUID(),
    meta: { profile: [`${pas}profile-claim`] },
    identifier: [{ system: "urn:ietf:rfc:3986", value: `urn:uuid:${crypto.randomUUID()}` }],
    status: "active",
    type: {
      coding: [{
        system: "http://terminology.hl7.org/CodeSystem/claim-type",
        code: "professional",
      }],
    },
    use: "preauthorization",
    patient: { reference: ref(parts.patient) },
    created: parts.now.toISOString(),
    insurer: insurerRef ? { reference: insurerRef } : {
      ...parts.coverage.payor?.[0],
      display: parts.coverage.payor?.[0]?.display ?? "unknown",
    } as never,
    provider: parts.requester ? { reference: ref(parts.requester) } : { display: "unknown" },
    priority: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/processpriority", code: "normal" }],
    },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: ref(parts.coverage) } }],
    ...(parts.questionnaireResponse
      ? {
        supportingInfo: [{
          sequence: 1,
          category: {
            coding: [{
              system: "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes",
              code: "additionalInformation",
            }],
          },
          valueReference: { reference: ref(parts.questionnaireResponse) },
        }],
      }
      : {}),
    item: [{
      extension: [
        {
          url: `${pas}extension-serviceItemRequestType`,
          valueCodeableConcept: {
            coding: [{ system: `${x12}1525`, code: "HS", display: "Health Services Review" }],
          },
        },
        {
          url: `${pas}extension-certificationType`,
          valueCodeableConcept: {
            coding: [{ system: `${x12}1322`, code: "I", display: "Initial" }],
          },
        },
        {
          url: `${pas}extension-requestedService`,
          valueReference: { reference: ref(parts.order) },
        },
      ],
      sequence: 1,
      ...(parts.questionnaireResponse ? { informationSequence: [1] } : {}),
      category: { coding: [{ system: `${x12}1365`, code: "1", display: "Medical Care" }] },
      productOrService: { coding: codes.slice(0, 1) as never },
      servicedDate: parts.now.toISOString().slice(0, 10),
      quantity: { value: 1 },
    }],
  };
  const fullUrl = (
    r: Resource,
    local: boolean,
  ) => (local ? `urn:uuid:${r.id}` : `${parts.base}/${ref(r)}`);
  const entries: Array<{ resource: Resource; local: boolean }> = [
    { resource: claim, local: true },
    { resource: parts.patient, local: false },
    { resource: parts.coverage, local: false },
    ...(parts.insurer ? [{ resource: parts.insurer, local: false }] : []),
    ...(parts.requester ? [{ resource: parts.requester, local: false }] : []),
    { resource: parts.order, local: parts.orderIsDraft },
    ...(parts.questionnaireResponse
      ? [{ resource: parts.questionnaireResponse, local: true }]
      : []),
  ];
  const seen = new Set<string>();
  const bundle: Bundle = {
    resourceType: "Bundle",
    meta: { profile: [`${pas}profile-pas-request-bundle`] },
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${crypto.randomUUID()}` },
    type: "collection",
    timestamp: parts.now.toISOString(),
    entry: entries
      .filter((e) => (seen.has(ref(e.resource)) ? false : (seen.add(ref(e.resource)), true)))
      .map((e) => ({ fullUrl: fullUrl(e.resource, e.local), resource: e.resource })),
  };
  return { bundle, claim, missing };
}

/** The Claim Inquiry Bundle for an earlier request: same parties, the Claim's identifier. */
export function buildInquiryBundle(submitted: Bundle, now: Date): Bundle {
  const [first, ...rest] = submitted.entry ?? [];
  const claim = first?.resource as Claim;
  const inquiry: Claim = {
    ...claim,
    id: crypto.randomUUID(),
    meta: { profile: [`${pas}profile-claim-inquiry`] },
    created: now.toISOString(),
  };
  return {
    ...submitted,
    identifier: { system: "urn:ietf:rfc:3986", value: `urn:uuid:${crypto.randomUUID()}` },
    timestamp: now.toISOString(),
    entry: [{ fullUrl: `urn:uuid:${inquiry.id}`, resource: inquiry }, ...rest],
  };
}
