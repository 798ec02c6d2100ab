import type { Coverage, Resource } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import type { FhirReader } from "./_ehr-reader.ts";
import { orderFromCode, orderTypes } from "./draft-order.ts";

/** How a step names the order: the resource, a reference in the EHR, or a code. */
export interface OrderInput {
  patientId: string;
  /** The order resource itself (e.g. the `order` check_prior_auth answered). */
  order?: Resource;
  /** "ServiceRequest/123": read from the EHR. */
  orderRef?: string;
  code?: string;
  system?: string;
  display?: string;
  practitionerId?: string;
  encounterId?: string;
  orderType?: (typeof orderTypes)[number];
}

const idPattern = /^[A-Za-z0-9\-.]{1,64}$/;

/** Checks a FHIR id from a caller. */
export function assertId(id: string, what: string): void {
  if (!idPattern.test(id)) {
    throw new GatewayError("invalid_id", `${what} "${id.slice(0, 70)}" is not a FHIR id.`, {
      hint: "A FHIR id is 1-64 letters, digits, - and .",
    });
  }
}

/** The order of a coverage step, checked to be an order for this patient. */
export async function resolveOrder(
  input: OrderInput,
  reader: FhirReader,
  now: Date,
): Promise<Resource> {
  assertId(input.patientId, "patient_id");
  let order: Resource;
  if (input.order) {
    order = input.order;
  } else if (input.orderRef) {
    const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(input.orderRef.trim());
    if (!m) {
      throw new GatewayError(
        "bad_request",
        `order_ref "${input.orderRef.slice(0, 80)}" is not Type/id.`,
        {
          hint:
            "Name the order as ServiceRequest/<id>, MedicationRequest/<id> or DeviceRequest/<id>.",
        },
      );
    }
    order = await reader.read(m[1]!, m[2]!);
  } else if (input.code && input.system) {
    order = orderFromCode({ ...input, code: input.code, system: input.system, now });
  } else {
    throw new GatewayError("bad_request", "No order was named.", {
      hint: "Pass code and system (cpt, hcpcs or rxnorm), order_ref, or the order resource.",
    });
  }
  if (!(orderTypes as readonly string[]).includes(order.resourceType)) {
    throw new GatewayError(
      "bad_request",
      `A ${order.resourceType} is not an order CRD, DTR or PAS take.`,
      {
        hint: `Use one of ${orderTypes.join(", ")}.`,
      },
    );
  }
  const subject = (order as { subject?: { reference?: string } }).subject?.reference;
  if (subject && !subject.endsWith(`Patient/${input.patientId}`)) {
    throw new GatewayError(
      "bad_request",
      `The order is for ${subject}, not Patient/${input.patientId}.`,
    );
  }
  if (!order.id) order = { ...order, id: crypto.randomUUID() };
  return order;
}

/** The patient's Coverage: `coverageId` when given, else the active one in the EHR. */
export async function findCoverage(
  reader: FhirReader,
  patientId: string,
  coverageId?: string,
): Promise<Coverage> {
  if (coverageId) {
    assertId(coverageId, "coverage_id");
    return (await reader.read("Coverage", coverageId)) as Coverage;
  }
  const found = (await reader.search(
    "Coverage",
    new URLSearchParams({ patient: `Patient/${patientId}`, status: "active" }),
  )) as Coverage[];
  if (found.length === 0) {
    throw new GatewayError(
      "not_found",
      `Patient/${patientId} has no active Coverage on the platform "${reader.platform}".`,
      {
        hint:
          "Record the patient's insurance as a Coverage in the EHR, or name one with coverage_id.",
      },
    );
  }
  return found[0]!;
}

/** The requester of an order, when it is a Practitioner. */
export function requesterId(order: Resource, fallback?: string): string | undefined {
  if (fallback) return fallback;
  const ref = (order as { requester?: { reference?: string } }).requester?.reference;
  const m = ref && /(?:^|\/)Practitioner\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  return m ? m[1] : undefined;
}
