import type { Caller } from "../core/caller.ts";
import type { Bundle, Coverage, Resource } from "@medplum/fhirtypes";
import { GatewayError } from "../errors.ts";
import type { CoverageDeps } from "./_deps.ts";
import type { FhirReader } from "./_ehr-reader.ts";
import {
  assertId,
  findCoverage,
  type OrderInput,
  requesterId,
  resolveOrder,
} from "./_order-input.ts";
import { callPayer } from "./_payer-http.ts";
import {
  claimResponseOf,
  decodeClaimResponse,
  type DecodedClaimResponse,
} from "./claim-response.ts";
import { buildInquiryBundle, buildPasBundle, type MissingItem } from "./pas-bundle.ts";
import { openStep } from "./_step.ts";
import type { PayerServices } from "./payer-services.ts";

/** Input of submitPriorAuth and inquirePriorAuth. */
export interface SubmitInput extends OrderInput {
  payer: string;
  ehr: string;
  caller: Caller;
  coverageId?: string;
  questionnaireResponse?: Resource;
  /** Build and check the Bundle, send nothing. */
  validateOnly?: boolean;
}

/** Input of inquirePriorAuth: the submission's inputs plus the Claim identifier it answered. */
export interface InquireInput extends SubmitInput {
  claimIdentifier: string;
}

/** The answer of submitPriorAuth / inquirePriorAuth. */
export interface SubmitResult extends Partial<DecodedClaimResponse> {
  payer: string;
  submitted: boolean;
  /** The Claim's identifier value: what inquire_prior_auth needs. */
  claim_identifier: string;
  missing: MissingItem[];
  warnings: string[];
  entries: string[];
  bundle?: Bundle;
}

async function gatherParts(input: SubmitInput, reader: FhirReader, now: Date) {
  const isDraft = !input.orderRef &&
    (Boolean(input.code) || (Boolean(input.order) && !input.order?.meta?.versionId));
  const order = await resolveOrder(input, reader, now);
  const coverage: Coverage = await findCoverage(reader, input.patientId, input.coverageId);
  const patient = await reader.read("Patient", input.patientId);
  const practitionerId = requesterId(order, input.practitionerId);
  if (practitionerId) assertId(practitionerId, "practitioner_id");
  const requester = practitionerId ? await reader.read("Practitioner", practitionerId) : undefined;
  const payorRef = coverage.payor?.[0]?.reference;
  const m = payorRef && /^(?:.*\/)?Organization\/([A-Za-z0-9\-.]{1,64})$/.exec(payorRef);
  const insurer = m ? await reader.read("Organization", m[1]!).catch(() => undefined) : undefined;
  const warnings: string[] = [];
  const qr = input.questionnaireResponse;
  if (qr && qr.resourceType !== "QuestionnaireResponse") {
    throw new GatewayError(
      "bad_request",
      `questionnaire_response is a ${qr.resourceType}, not a QuestionnaireResponse.`,
    );
  }
  if (qr && (qr as { status?: string }).status !== "completed") {
    warnings.push(
      "The QuestionnaireResponse is not completed: answer what get_questionnaire_package listed under to_complete and set status completed.",
    );
  }
  const questionnaireResponse = qr && { ...qr, id: qr.id ?? crypto.randomUUID() };
  const built = buildPasBundle({
    patient,
    coverage,
    requester,
    insurer,
    order,
    questionnaireResponse,
    base: reader.base,
    now,
    orderIsDraft: isDraft,
  });
  return { built, warnings };
}

/**
 * PAS: builds the request Bundle from the EHR, says exactly what it lacks, `POST Claim/$submit`,
 * and decodes the ClaimResponse (outcome, preAuthRef, per-item X12 306 review action).
 */
export async function submitPriorAuth(
  deps: CoverageDeps,
  input: SubmitInput,
): Promise<SubmitResult> {
  const { platform, services, base, reader, now } = openStep(
    deps,
    input,
    "pas",
    !input.validateOnly,
  );
  const { built, warnings } = await gatherParts(input, reader, now);
  const claimIdentifier = built.claim.identifier![0]!.value!;
  const entries = (built.bundle.entry ?? []).map((e) =>
    `${e.resource!.resourceType}/${e.resource!.id}`
  );
  if (input.validateOnly) {
    return {
      payer: platform.key,
      submitted: false,
      claim_identifier: claimIdentifier,
      missing: built.missing,
      warnings,
      entries,
      bundle: built.bundle,
    };
  }
  if (built.missing.length > 0) {
    throw new GatewayError(
      "bad_request",
      `The prior authorization request lacks ${
        built.missing.map((m) => `${m.element} (${m.why})`).join("; ")
      }.`,
      {
        hint:
          "Add these in the EHR (or pass practitioner_id), then submit again; validate_only shows the Bundle.",
      },
    );
  }
  const decoded = await send(deps, services, base, platform.key, "Claim/$submit", built.bundle);
  return {
    payer: platform.key,
    submitted: true,
    claim_identifier: claimIdentifier,
    missing: [],
    warnings,
    entries,
    ...decoded,
  };
}

/** PAS: `POST Claim/$inquire` for an earlier request (e.g. a pended one), decoded the same way. */
export async function inquirePriorAuth(
  deps: CoverageDeps,
  input: InquireInput,
): Promise<SubmitResult> {
  if (!/^[\w:.\-]{1,200}$/.test(input.claimIdentifier)) {
    throw new GatewayError(
      "bad_request",
      "claim_identifier is not an identifier submit_prior_auth answered.",
    );
  }
  const { platform, services, base, reader, now } = openStep(deps, input, "pas");
  const { built, warnings } = await gatherParts(input, reader, now);
  const claim = built.bundle.entry![0]!.resource as {
    identifier?: Array<{ system?: string; value?: string }>;
  };
  claim.identifier = [{ system: "urn:ietf:rfc:3986", value: input.claimIdentifier }];
  const inquiry = buildInquiryBundle(built.bundle, now);
  const decoded = await send(deps, services, base, platform.key, "Claim/$inquire", inquiry);
  const entries = (inquiry.entry ?? []).map((e) => `${e.resource!.resourceType}/${e.resource!.id}`);
  return {
    payer: platform.key,
    submitted: true,
    claim_identifier: input.claimIdentifier,
    missing: [],
    warnings,
    entries,
    ...decoded,
  };
}

async function send(
  deps: CoverageDeps,
  services: PayerServices,
  base: string,
  payer: string,
  what: string,
  bundle: Bundle,
): Promise<DecodedClaimResponse> {
  const { body } = await callPayer(deps, {
    url: `${base}/${what}`,
    body: bundle,
    signed: services.auth === "cds-hooks-jwt",
    issuer: services.clientId ?? deps.clientId,
    timeoutMs: deps.fhirTimeoutMs,
    what,
    payer,
    fhir: true,
  });
  const { response } = claimResponseOf(body);
  if (!response) {
    throw new GatewayError(
      "upstream_error",
      `The payer "${payer}" answered ${what} without a ClaimResponse.`,
    );
  }
  return decodeClaimResponse(response);
}
