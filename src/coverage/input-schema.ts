import type { Resource } from "@medplum/fhirtypes";
import { z } from "zod";
import type { Caller } from "../core/caller.ts";
import { checkHooks } from "./check-prior-auth.ts";
import { orderTypes } from "./draft-order.ts";

/**
 * The arguments of the coverage steps, by the names both faces use (MCP tool arguments and
 * REST JSON bodies), so a rule about an argument lives once.
 */
const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9\-.]+$/, "must be a FHIR id");
const platform = z.string().min(1).max(200);
const resource = z.looseObject({ resourceType: z.string().min(1).max(64) });

const orderShape = {
  ehr_platform_id: platform.describe(
    "The EHR platform the patient's record is read from (with your login there).",
  ),
  patient_id: id.describe("The patient's id in the EHR."),
  code: z.string().min(1).max(20).optional().describe(
    "A CPT, HCPCS or RxNorm code for the order (with system).",
  ),
  system: z.string().min(1).max(200).optional().describe(
    "cpt, hcpcs, rxnorm, or the code system URI.",
  ),
  display: z.string().max(200).optional().describe("The code's name, shown to the payer."),
  order_ref: z.string().max(140).optional().describe(
    "An order in the EHR instead of a code: ServiceRequest/<id>.",
  ),
  order: resource.optional().describe(
    "The order resource itself, e.g. the `order` check_prior_auth answered.",
  ),
  order_type: z.enum(orderTypes).optional().describe(
    "The order built from a code (default ServiceRequest; RxNorm: MedicationRequest).",
  ),
  practitioner_id: id.optional().describe(
    "The ordering Practitioner's id in the EHR (CDS Hooks userId, PAS provider).",
  ),
  encounter_id: id.optional(),
  coverage_id: id.optional().describe(
    "The Coverage in the EHR; default: the patient's active one.",
  ),
};

/** check_prior_auth. */
export const checkShape = {
  ...orderShape,
  hook: z.enum(checkHooks).optional().describe(
    "order-sign (default), order-select or appointment-book.",
  ),
};

/** get_questionnaire_package. */
export const packageShape = {
  ...orderShape,
  questionnaires: z.array(z.string().min(1).max(500)).max(20).optional().describe(
    "Questionnaire canonicals, e.g. those check_prior_auth named.",
  ),
  prefill: z.boolean().optional().describe(
    "Pre-fill from the record with the package's CQL (default true).",
  ),
  raw: z.boolean().optional().describe("Also return the payer's package as received."),
};

/** submit_prior_auth. */
export const submitShape = {
  ...orderShape,
  questionnaire_response: resource.optional().describe(
    "The completed QuestionnaireResponse (get_questionnaire_package's, with the open items answered).",
  ),
  validate_only: z.boolean().optional().describe("Build and check the PAS Bundle; send nothing."),
};

/** inquire_prior_auth. */
export const inquireShape = {
  ...submitShape,
  claim_identifier: z.string().min(1).max(200).describe(
    "The claim_identifier submit_prior_auth answered.",
  ),
};

/** get_policy_rules. */
export const policyShape = {
  code: z.string().min(1).max(20).describe("A CPT, HCPCS or RxNorm code."),
  system: z.string().min(1).max(200).describe("cpt, hcpcs, rxnorm, or the code system URI."),
  ehr_platform_id: platform.optional().describe(
    "With patient_id and practitioner_id, CRD and DTR answer too.",
  ),
  patient_id: id.optional(),
  practitioner_id: id.optional(),
  coverage_id: id.optional(),
};

type Args<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;

function orderInput(a: Args<typeof orderShape>) {
  return {
    ehr: a.ehr_platform_id,
    patientId: a.patient_id,
    code: a.code,
    system: a.system,
    display: a.display,
    orderRef: a.order_ref,
    order: a.order as Resource | undefined,
    orderType: a.order_type,
    practitionerId: a.practitioner_id,
    encounterId: a.encounter_id,
    coverageId: a.coverage_id,
  };
}

/** Operation inputs from parsed arguments. */
export const toInput = {
  check: (payer: string, caller: Caller, a: Args<typeof checkShape>) => ({
    ...orderInput(a),
    payer,
    caller,
    hook: a.hook,
  }),
  package: (payer: string, caller: Caller, a: Args<typeof packageShape>) => ({
    ...orderInput(a),
    payer,
    caller,
    questionnaires: a.questionnaires,
    prefill: a.prefill,
    raw: a.raw,
  }),
  submit: (payer: string, caller: Caller, a: Args<typeof submitShape>) => ({
    ...orderInput(a),
    payer,
    caller,
    questionnaireResponse: a.questionnaire_response as Resource | undefined,
    validateOnly: a.validate_only,
  }),
  inquire: (payer: string, caller: Caller, a: Args<typeof inquireShape>) => ({
    ...toInput.submit(payer, caller, a),
    claimIdentifier: a.claim_identifier,
  }),
  policy: (payer: string, caller: Caller, a: Args<typeof policyShape>) => ({
    payer,
    caller,
    code: a.code,
    system: a.system,
    ehr: a.ehr_platform_id,
    patientId: a.patient_id,
    practitionerId: a.practitioner_id,
    coverageId: a.coverage_id,
  }),
};
