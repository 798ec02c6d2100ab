import type { Json } from "./_json.ts";
import type { Resource } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";

/** Code systems an order may be built from, by the short name callers use. */
export const codeSystems = {
  cpt: "http://www.ama-assn.org/go/cpt",
  hcpcs: "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
  rxnorm: "http://www.nlm.nih.gov/research/umls/rxnorm",
} as const;

/** A short code-system name. */
export type CodeSystemName = keyof typeof codeSystems;

const shapes: Record<CodeSystemName, { re: RegExp; example: string }> = {
  // CPT: five digits, or four digits and F (category II) or T (category III).
  cpt: { re: /^\d{4}[0-9FT]$/, example: "72148" },
  // HCPCS level II: a letter and four digits.
  hcpcs: { re: /^[A-V][0-9]{4}$/, example: "E0431" },
  rxnorm: { re: /^\d{1,9}$/, example: "197361" },
};

/** Order types the CRD order hooks carry. */
export const orderTypes = ["ServiceRequest", "MedicationRequest", "DeviceRequest"] as const;

/** Names a code system by its short name or URI; undefined when it is neither. */
export function systemName(system: string): CodeSystemName | undefined {
  const s = system.trim().toLowerCase();
  if (s in codeSystems) return s as CodeSystemName;
  const hit = Object.entries(codeSystems).find(([, uri]) => uri === system.trim());
  if (hit) return hit[0] as CodeSystemName;
  if (/cms\.gov.*hcpcs/i.test(system)) return "hcpcs";
  return undefined;
}

/** Checks a code against its system's shape; a malformed code is refused before any call. */
export function assertCode(code: string, system: CodeSystemName): void {
  if (shapes[system].re.test(code.trim())) return;
  throw new GatewayError(
    "bad_request",
    `"${code.slice(0, 40)}" is not a ${system.toUpperCase()} code.`,
    { hint: `A ${system.toUpperCase()} code looks like ${shapes[system].example}.` },
  );
}

/**
 * A draft order for a code: a MedicationRequest for RxNorm, else a ServiceRequest (or a
 * DeviceRequest when asked), with status draft, for the patient and the requester.
 */
export function orderFromCode(input: {
  code: string;
  system: string;
  display?: string;
  patientId: string;
  practitionerId?: string;
  encounterId?: string;
  orderType?: (typeof orderTypes)[number];
  now: Date;
}): Resource {
  const name = systemName(input.system);
  if (!name) {
    throw new GatewayError(
      "bad_request",
      `Code system "${input.system.slice(0, 80)}" is not one the gateway builds orders from.`,
      {
        hint: `Use one of ${
          Object.keys(codeSystems).join(", ")
        } (or their URIs), or pass the order resource itself.`,
      },
    );
  }
  assertCode(input.code, name);
  const coding = {
    system: codeSystems[name],
    code: input.code.trim(),
    ...(input.display ? { display: input.display } : {}),
  };
  const concept = { coding: [coding], ...(input.display ? { text: input.display } : {}) };
  const common = {
    id: crypto.randomUUID(),
    status: "draft",
    intent: "order",
    subject: { reference: `Patient/${input.patientId}` },
    authoredOn: input.now.toISOString(),
    ...(input.practitionerId
      ? { requester: { reference: `Practitioner/${input.practitionerId}` } }
      : {}),
    ...(input.encounterId ? { encounter: { reference: `Encounter/${input.encounterId}` } } : {}),
  };
  const type = name === "rxnorm" ? "MedicationRequest" : input.orderType ?? "ServiceRequest";
  if (type === "MedicationRequest") {
    return {
      resourceType: "MedicationRequest",
      ...common,
      medicationCodeableConcept: concept,
    } as Resource;
  }
  if (type === "DeviceRequest") {
    return { resourceType: "DeviceRequest", ...common, codeCodeableConcept: concept } as Resource;
  }
  return { resourceType: "ServiceRequest", ...common, code: concept } as Resource;
}

/** The codes of an order (ServiceRequest.code, medicationCodeableConcept, DeviceRequest code). */
export function orderCodes(
  order: Resource,
): Array<{ system?: string; code?: string; display?: string }> {
  const o = order as Record<string, Json>;
  const concept = o.code ?? o.medicationCodeableConcept ?? o.codeCodeableConcept;
  return (concept?.coding ?? []) as Array<{ system?: string; code?: string; display?: string }>;
}
